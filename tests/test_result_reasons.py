"""Issue 24, point 4: every result says, in one sentence, why it delivered
fewer leads than asked, and the notifications do not repeat themselves."""
import json

from odoo.tests import Form, tagged, users

from ..models import crm_iap_lead_provider_iap as iap_provider
from .common import BIG, BackgroundCase, DirectoryCase


@tagged("post_install", "-at_install", "lead_mining")
class TestResultReasons(DirectoryCase):

    @users("user_sales_manager")
    def test_directory_says_what_matched_what_was_known_and_the_contacts(self):
        self.env["crm.lead"].sudo().create({"name": "Known", "website": "http://dirco01.example"})
        request = self._directory_request(
            lead_number=20, search_type="people", contact_number=2, contact_filter_type="seniority",
            seniority_id=self.director.id, country_ids=[(6, 0, (self.country_es + self.country_it).ids)],
        )
        action = request.action_submit()
        # 20 companies in Spain and Italy; 15 have a director, one of them known.
        self.assertEqual(request.lead_count, 14)
        sentence = ("14 of 20 opportunities created: 20 companies match your filters, 5 of them without a contact "
                    "of the role or seniority asked, 1 already in your CRM and skipped, 14 of 28 contacts found, "
                    "28 credits charged.")
        self.assertEqual(request.result_summary, sentence)
        self.assertEqual(action["params"]["message"], sentence, "the notification says it once")

    @users("user_sales_manager")
    def test_a_full_delivery_says_how_many_once(self):
        request = self._directory_request(lead_number=2, country_ids=[(6, 0, self.country_it.ids)])
        action = request.action_submit()
        self.assertEqual(action["params"]["message"], "2 opportunities created.")

    @users("user_sales_manager")
    def test_odoo_iap_says_what_the_service_returned_and_charged(self):
        self._use_protocol("clearbit")  # it answers known companies again
        self.lead_mining_server.repeat_companies = True
        self._new_request(lead_number=3).action_submit()
        second = self._new_request(lead_number=4)
        second.action_submit()
        self.assertEqual(second.result_summary, (
            "1 of 4 opportunities created: Odoo IAP returned 4 companies, 3 already in your CRM (given the new note), "
            "4 credits charged."
        ))


@tagged("post_install", "-at_install", "lead_mining")
class TestBackgroundResultReasons(BackgroundCase):

    @users("user_sales_manager")
    def test_background_result_says_what_was_given_back_once(self):
        request = self._directory_request(lead_number=400, country_ids=[(6, 0, self.country_jp.ids)])
        request.action_submit()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(request.state, "done")
        sentence = (f"{BIG + 30} of 400 opportunities created: {BIG + 30} companies match your filters, "
                    f"{BIG + 30} credits charged, {400 - BIG - 30} reserved credits given back.")
        self.assertEqual(request.result_summary, sentence)
        self.env.cr.precommit.run()
        sent = self.env["bus.bus"].sudo().search([("message", "like", "crm_iap_mine/request_ended")])
        message = json.loads(sent.message)["payload"]["message"]
        self.assertEqual(message, f"Request {request.name} is done: {sentence}")


@tagged("post_install", "-at_install", "lead_mining")
class TestDialogHelpers(DirectoryCase):
    """What the Generate Leads dialog asks the server (issue 24, points 1, 2, 3 and 5)."""

    def test_a_provider_out_of_reach_is_said_before_submitting_with_the_other_offered(self):
        requests = self.env["crm.iap.lead.mining.request"].with_user(self.user_sales_manager)
        self.lead_mining_server.balance_fails = True
        iap_provider._balance_cache.clear()
        warning = requests.get_provider_warning("iap", self.env.company.id)
        self.assertEqual(warning["alternative"], "directory")
        self.assertEqual(warning["message"], "Odoo IAP cannot be reached right now: a request would probably fail.")
        self.assertEqual(warning["button"], "Use Company directory instead")
        self.assertFalse(requests.get_provider_warning("directory", self.env.company.id))
        self.assertEqual(requests.get_credit_balance("directory", self.env.company.id),
                         {"text": "Balance: 100 credits.", "balance": 100})
        iap_provider._balance_cache.clear()

    @users("user_sales_manager")
    def test_a_change_of_the_form_clears_a_stale_error(self):
        request = self._new_request()
        request.sudo()._update_state("error", {"error_type": "unreachable", "error_message": "Out of reach."})
        self.assertEqual(request.alternative_provider, "directory")
        with Form(request) as form:
            form.lead_number = 4
            self.assertFalse(form.error_type)
            self.assertFalse(form.error_message)

    @users("user_sales_manager")
    def test_an_invalid_number_is_flagged(self):
        request = self._directory_request()
        for number, valid in ((0, False), (1, True), (10000, True), (50000, False)):
            with Form(request) as form:
                form.lead_number = number
                self.assertEqual(form.lead_number_valid, valid, number)
                if not valid:
                    form.lead_number = 3  # a request is never saved with it

    def test_who_may_not_add_credits_is_told_whom_to_ask(self):
        request = self._directory_request()
        self.assertTrue(request.can_add_credits)
        as_salesman = request.with_user(self.user_sales_salesman)
        self.assertFalse(as_salesman.can_add_credits)
        self.assertIn(self.user_sales_manager.name, as_salesman.add_credits_contact)
        self.assertTrue(as_salesman.add_credits_contact.startswith("Only a sales manager can add credits: ask "))
