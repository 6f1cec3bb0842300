"""What a new sales manager meets in the Generate Leads dialog."""
import json

from odoo.exceptions import UserError
from odoo.tests import Form, tagged, users

from .common import BIG, BackgroundCase


@tagged("post_install", "-at_install", "lead_mining")
class TestFirstUse(BackgroundCase):

    def _dialog_values(self, *field_names):
        """What the dialog shows when it opens on a new request."""
        spec = dict.fromkeys(("company_id", "provider", "lead_number", "country_ids", *field_names), {})
        return self.env["crm.iap.lead.mining.request"].onchange({}, [], spec)["value"]

    @users("user_sales_manager")
    def test_acknowledgement_box_shown_on_first_open(self):
        self.env.user.sudo().lead_mining_gdpr_ack_date = False
        self.assertTrue(self._dialog_values("gdpr_acknowledgement_needed")["gdpr_acknowledgement_needed"])
        self.env.user.sudo().lead_mining_gdpr_ack_date = "2026-01-01"
        self.assertFalse(self._dialog_values("gdpr_acknowledgement_needed")["gdpr_acknowledgement_needed"])

    @users("user_sales_manager")
    def test_unticked_box_stores_nothing_and_says_what_is_missing(self):
        Request = self.env["crm.iap.lead.mining.request"]
        self.env.user.sudo().lead_mining_gdpr_ack_date = False
        with self.assertRaisesRegex(UserError, "Tick the box “I have read this notice"):
            self._new_request()
        self.assertFalse(Request.search([("create_uid", "=", self.env.uid)]), "no draft left behind")
        self.assertFalse(self.env.user.sudo().lead_mining_gdpr_ack_date)

        request = self._new_request(gdpr_acknowledged=True)
        self.assertTrue(self.env.user.sudo().lead_mining_gdpr_ack_date, "acknowledged once, for good")
        request.action_submit()
        self.assertEqual(request.state, "done")
        self.assertTrue(self._new_request(), "later requests need no box")

    @users("user_sales_manager")
    def test_limits_shown_for_the_provider(self):
        self.assertEqual(self._new_request().lead_number_limits, "(1 to 200)")
        self.assertEqual(self._directory_request().lead_number_limits, "(1 to 10,000)")

    @users("user_sales_manager")
    def test_request_in_error_can_change_provider_and_retry(self):
        self.lead_mining_server.fail_with = "http_500"
        request = self._new_request(country_ids=[(6, 0, self.country_jp.ids)])
        request.action_submit()
        self.assertEqual(request.state, "error")
        with Form(request.with_context(is_modal=True)) as form:
            self.assertTrue(form.show_provider)
            form.provider = "directory"
        request.action_submit()
        self.assertRecordValues(request, [{"state": "done", "provider": "directory", "error_type": False}])
        self.assertEqual(len(request.lead_ids), 3)

    @users("user_sales_manager")
    def test_background_hint_above_the_synchronous_limit(self):
        with Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="directory")) as form:
            form.lead_number = 200
            self.assertFalse(form.runs_in_background)
            form.lead_number = 201
            self.assertTrue(form.runs_in_background)
            with self.assertLogs("odoo.tests.form.onchange", "WARNING"):
                form.provider = "iap"  # 201 is also above what the IAP service accepts
            self.assertFalse(form.runs_in_background, "the IAP service answers at once")
            form.provider = "directory"

    @users("user_sales_manager")
    def test_states_hint_when_the_provider_has_no_states(self):
        form = Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="iap"))
        form.country_ids.clear()
        form.country_ids.add(self.country_es)
        self.assertTrue(form.states_unavailable, "Spain has no state filter on the IAP service")
        form.country_ids.add(self.country_us)
        self.assertFalse(form.states_unavailable)
        form.country_ids.clear()
        self.assertFalse(form.states_unavailable, "no country, nothing to explain")

    @users("user_sales_manager")
    def test_background_end_notifies_with_a_view_button(self):
        request = self._big_request()
        request.action_submit()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(request.state, "done")
        self.env.cr.precommit.run()  # the bus writes its notifications when the batch commits
        sent = self.env["bus.bus"].sudo().search([("message", "like", "crm_iap_mine/request_ended")])
        self.assertEqual(len(sent), 1)
        payload = json.loads(sent.message)["payload"]
        self.assertIn(f"{BIG} opportunities created.", payload["message"])
        self.assertEqual(payload["button"], "View")
        self.assertEqual(payload["action"]["domain"], [["id", "in", request.lead_ids.ids], ["type", "=", "opportunity"]])

    @users("user_sales_manager")
    def test_results_in_words_users_understand(self):
        request = self._new_request()
        self.env["crm.lead"].sudo().create({"name": "Mined", "lead_mining_request_id": request.id})
        request.sudo().write({"state": "done", "excluded_count": 6, "duplicate_count": 1, "lead_number": 1})
        self.assertIn("6 companies already in your CRM were skipped.", request.result_summary)
        self.assertIn("1 company found was already in your CRM: it got the new note instead.", request.result_summary)
        request.sudo().lead_number = 3  # fewer than asked: the reasons, in one sentence
        self.assertIn("6 already in your CRM and skipped, 1 already in your CRM (given the new note)",
                      request.result_summary)
        self.assertEqual(request._fields["excluded_count"].string, "Already in CRM, Skipped")

    def test_founded_year_without_thousands_separator(self):
        arch = self.env["crm.iap.lead.directory.company"].get_view(view_type="form")["arch"]
        self.assertIn("'enable_formatting': false", arch.replace('"', "'"))
