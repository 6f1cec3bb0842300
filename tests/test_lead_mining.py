from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import LeadMiningCase
from .lead_mining_server import BALANCE_PATH


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMining(LeadMiningCase):
    """Submitting a request against the loopback lead-mining service."""

    @users("user_sales_manager")
    def test_companies_become_assigned_tagged_opportunities(self):
        request = self._new_request(lead_number=4)
        action = request.action_submit()

        self.assertEqual(request.state, "done")
        self.assertRegex(request.name, r"^LMR\d{3,}$")
        leads = request.lead_ids
        self.assertEqual(len(leads), 4)
        self.assertEqual(action["tag"], "crm_iap_mine_leads_created", "the dialog closes with a notification")
        self.assertEqual(action["params"]["message"], "4 opportunities created.")
        self.assertEqual(action["params"]["button"], "View")
        self.assertEqual(action["params"]["action"]["domain"], [("id", "in", leads.ids), ("type", "=", "opportunity")])
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertEqual(request.lead_count, 4)
        self.assertEqual(request.credits_charged, 4)
        self.assertEqual(self.lead_mining_server.balance, 996)
        for lead in leads:
            self.assertEqual(lead.type, "opportunity")
            self.assertEqual(lead.user_id, self.user_sales_salesman)
            self.assertEqual(lead.team_id, self.sales_team_1)
            self.assertEqual(lead.tag_ids, self.tags)
            self.assertEqual(lead.country_id, self.country_es)
            self.assertTrue(lead.partner_name and lead.city and lead.zip and lead.street)
            self.assertRegex(lead.website, r"^https://[a-z0-9-]+\.example$")
            self.assertTrue(lead.phone)
            self.assertFalse(lead.contact_name)
            self.assertTrue(lead.reveal_id)

    @users("user_sales_manager")
    def test_payload_carries_every_filter(self):
        self._use_protocol("clearbit")  # the contact filters exist only there
        california = self.env.ref("base.state_us_5")
        request = self._new_request(
            search_type="people", contact_number=2, contact_filter_type="role",
            country_ids=[(6, 0, (self.country_us + self.country_es).ids)],
            state_ids=[(6, 0, california.ids)],
            industry_ids=[(6, 0, (self.env.ref("crm_iap_mine.crm_iap_mine_industry_30_155")
                                  + self.env.ref("crm_iap_mine.crm_iap_mine_industry_165")).ids)],
            filter_on_size=True, company_size_min=10, company_size_max=250,
            preferred_role_id=self.env.ref("crm_iap_mine.crm_iap_mine_role_7").id,
            role_ids=[(6, 0, self.env.ref("crm_iap_mine.crm_iap_mine_role_13").ids)],
        )
        request.action_submit()

        params = self._mining_calls()[-1]["params"]
        self.assertTrue(params["account_token"])
        self.assertEqual(params["dbuuid"], self.env["ir.config_parameter"].sudo().get_param("database.uuid"))
        data = dict(params["data"], countries=sorted(params["data"]["countries"], key=lambda c: c["code"]))
        self.assertEqual(data, {
            "lead_number": 3,
            "search_type": "people",
            "countries": [{"code": "ES", "states": []}, {"code": "US", "states": ["CA"]}],
            "company_size_min": 10,
            "company_size_max": 250,
            "industry_ids": ["30", "155", "165"],
            "contact_number": 2,
            "contact_filter_type": "role",
            "preferred_role": "finance",
            "other_roles": ["marketing"],
        })

    @users("user_sales_manager")
    def test_contacts_fill_the_lead_and_the_chatter_note(self):
        self._use_protocol("clearbit")
        request = self._new_request(
            lead_number=2, search_type="people", contact_number=3,
            contact_filter_type="seniority", seniority_id=self.env.ref("crm_iap_mine.crm_iap_mine_seniority_1").id,
        )
        request.action_submit()

        self.assertEqual(request.credits_charged, 2 * (1 + 3))
        self.assertEqual(self._mining_calls()[-1]["params"]["data"]["seniority"], "director")
        for lead in request.lead_ids:
            self.assertTrue(lead.contact_name)
            self.assertTrue(lead.function)
            notes = lead.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))
            self.assertEqual(len(notes), 1, "exactly one enrichment note per lead")
            self.assertEqual(len(lead.message_ids), 1, "no creation message besides the note")
            body = str(notes.body)
            self.assertIn("Contacts", body)
            self.assertIn(lead.contact_name.replace("'", "&#39;"), body)
            self.assertIn(request.name, body)

    @users("user_sales_manager")
    def test_service_html_never_reaches_the_chatter_unescaped(self):
        self._use_protocol("clearbit")  # D&B: see test_iap_protocols
        self.lead_mining_server.company_overrides = {
            "description": '<img src=x onerror="alert(1)"><script>alert(2)</script>',
            "name": "<b>Evil</b> S.L.",
        }
        request = self._new_request(lead_number=1)
        request.action_submit()

        lead = request.lead_ids
        body = str(lead.message_ids.body)
        self.assertNotIn("<script>", body)
        self.assertNotIn("<img src=x", body)
        self.assertNotIn("<b>Evil</b>", body)
        self.assertIn("&lt;script&gt;", body)
        self.assertEqual(lead.name, "<b>Evil</b> S.L.", "stored as plain text")

    @users("user_sales_manager")
    def test_salesperson_gets_one_summary_not_one_mail_per_lead(self):
        request = self._new_request(lead_number=5)
        with self.mock_mail_gateway():
            request.action_submit()

        salesman_partner = self.user_sales_salesman.partner_id
        for lead in request.lead_ids:
            self.assertIn(salesman_partner, lead.message_partner_ids, "salesperson follows the lead")
        notified = self.env["mail.message"].sudo().search([
            ("partner_ids", "in", salesman_partner.ids),
            ("model", "in", ("crm.lead", "crm.iap.lead.mining.request")),
        ])
        self.assertEqual(len(notified), 1)
        self.assertEqual(notified.model, "crm.iap.lead.mining.request")
        self.assertIn("5", str(notified.body))

    @users("user_sales_manager")
    def test_summary_is_one_whole_sentence_per_lead_type_and_number(self):
        request = self._new_request(lead_number=1)
        request.action_submit()
        summary = self.env["mail.message"].sudo().search([
            ("model", "=", request._name), ("res_id", "=", request.id),
            ("partner_ids", "in", self.user_sales_salesman.partner_id.ids),
        ])
        self.assertEqual(str(summary.body), f"<p>A new opportunity from request {request.name} was assigned to you.</p>")
        self.assertEqual(request._assignment_summary(3),
                         f"3 new opportunities from request {request.name} were assigned to you.")
        request.lead_type = "lead"
        self.assertEqual(request._assignment_summary(1), f"A new lead from request {request.name} was assigned to you.")
        self.assertEqual(request._assignment_summary(2), f"2 new leads from request {request.name} were assigned to you.")

    @users("user_sales_manager")
    def test_leads_from_the_leads_menu(self):
        action = self.env["crm.lead"].with_context(default_type="lead").action_generate_leads()
        self.assertEqual(action["context"]["default_lead_type"], "lead")
        request = self.env["crm.iap.lead.mining.request"].with_context(**action["context"]).create({
            "provider": "iap", "lead_number": 2, "country_ids": [(6, 0, self.country_it.ids)],
        })
        self.assertEqual(request.lead_type, "lead")
        action = request.action_submit()
        self.assertEqual(set(request.lead_ids.mapped("type")), {"lead"})
        self.assertEqual(action["params"]["message"], "2 leads created.")
        self.assertEqual(action["params"]["action"]["domain"], [("id", "in", request.lead_ids.ids), ("type", "=", "lead")])

    @users("user_sales_manager")
    def test_duplicate_runs_a_similar_request(self):
        request = self._new_request(lead_number=2)
        request.action_submit()
        again = request.copy()
        self.assertEqual((again.state, again.name, again.lead_count), ("draft", "New", 0))
        again.action_submit()
        self.assertNotEqual(again.name, request.name)
        self.assertFalse(again.lead_ids & request.lead_ids)

    def test_lead_creation_queries_do_not_grow_per_lead(self):
        """Countries and states are resolved once; leads created in one call."""
        self._use_protocol("clearbit")
        def queries_for(count):
            request = self._new_request(lead_number=count, search_type="people", contact_number=2,
                                        preferred_role_id=self.env.ref("crm_iap_mine.crm_iap_mine_role_1").id)
            request._check_submittable()
            result = request._fetch_companies()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            request._create_leads(result.items)
            self.env.flush_all()
            return self.cr.sql_log_count - before

        small, large = queries_for(5), queries_for(45)
        per_lead = (large - small) / 40
        # Measured: 1.1 per extra lead (issue 6 measured the stock module at about 18). What is
        # left is crm.lead's own create (won-stage check, computed fields).
        self.assertLessEqual(per_lead, 1.5, f"{small} queries for 5 leads, {large} for 45")


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningErrors(LeadMiningCase):
    """Every failure leaves the request in Error, with no lead, and retryable."""

    def _assert_failed_cleanly(self, request, error_type):
        self.assertEqual(request.state, "error")
        self.assertEqual(request.error_type, error_type)
        self.assertTrue(request.error_message)
        self.assertFalse(request.lead_ids)

    @users("user_sales_manager")
    def test_insufficient_credits(self):
        self.lead_mining_server.balance = 2
        request = self._new_request(lead_number=3)
        action = request.with_context(is_modal=True).action_submit()

        self._assert_failed_cleanly(request, "credits")
        self.assertEqual(self.lead_mining_server.balance, 2, "nothing charged")
        self.assertEqual((action["res_id"], action["target"]), (request.id, "new"), "the dialog shows the error")
        self.assertEqual(request.action_buy_credits()["type"], "ir.actions.act_url")

        self.lead_mining_server.balance = 100
        request.action_submit()
        self.assertEqual(request.state, "done")
        self.assertEqual(len(request.lead_ids), 3)
        self.assertFalse(request.error_type)

    @users("user_sales_manager")
    def test_no_result_uses_no_credit(self):
        self.lead_mining_server.fail_with = "no_result"
        request = self._new_request()
        request.action_submit()
        self._assert_failed_cleanly(request, "no_result")
        self.assertIn("no credits were used", request.error_message)
        self.assertEqual(self.lead_mining_server.balance, 1000)

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.tools.lead_mining_client")
    def test_service_errors_are_stored_not_raised(self):
        expectations = {
            "access": "access", "user": "user", "unknown": "remote",
            "http_500": "http", "not_json": "protocol", "bad_envelope": "protocol",
        }
        for mode, error_type in expectations.items():
            with self.subTest(mode=mode):
                self.lead_mining_server.fail_with = mode
                request = self._new_request()
                request.action_submit()
                self._assert_failed_cleanly(request, error_type)
                self.assertNotIn("Traceback", request.error_message)
                self.assertNotIn(request.env["iap.account"].sudo().get("reveal").account_token, request.error_message)

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.tools.lead_mining_client")
    def test_timeout_warns_that_credits_may_be_charged(self):
        self.lead_mining_server.delay = 1.5
        request = self._new_request()
        request.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.iap_timeout", "0.5")
        request.action_submit()
        self._assert_failed_cleanly(request, "timeout")
        self.assertIn("may have charged", request.error_message)

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.tools.lead_mining_client")
    def test_unreachable_service(self):
        closed_port_url = "http://127.0.0.1:9"
        self._point_endpoints_at(closed_port_url)
        self.addCleanup(self._point_endpoints_at, self.lead_mining_server.url)
        request = self._new_request()
        request.action_submit()
        self._assert_failed_cleanly(request, "unreachable")
        self.assertFalse(request.credit_balance_known, "the balance shows as unknown")
        self.assertIn("unknown", request.get_credit_balance_text("iap"))

    @users("user_sales_manager")
    def test_malformed_items_are_skipped_and_counted(self):
        self.lead_mining_server.malformed_items = 2
        request = self._new_request(lead_number=3)
        request.action_submit()
        self.assertEqual(request.state, "done")
        self.assertEqual(len(request.lead_ids), 3)
        self.assertEqual(request.malformed_count, 2)


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningDialog(LeadMiningCase):
    """What the user may type, and what the dialog corrects or refuses."""

    @users("user_sales_manager")
    def test_out_of_range_input_is_kept_and_explained(self):
        """What the user typed is never silently changed (it would be
        charged): a notice says what is allowed, and saving refuses it."""
        self._use_protocol("clearbit")
        form = Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="iap"))
        self.assertEqual(form.lead_number_limits, "(1 to 200)")
        for field, value, notice in (
            ("lead_number", 0, "between 1 and 200 with this provider (you typed 0)"),
            ("lead_number", 500, "between 1 and 200 with this provider (you typed 500)"),
        ):
            with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
                setattr(form, field, value)
            self.assertIn(notice, logs.output[0])
            self.assertEqual(form.lead_number, value, "kept as typed")
        form.lead_number = 3
        form.search_type = "people"
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.contact_number = 9
        self.assertIn("between 1 and 5 (you typed 9)", logs.output[0])
        self.assertEqual(form.contact_number, 9)
        form.contact_number = 2
        form.search_type = "companies"
        form.filter_on_size = True
        form.company_size_min = 300
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.company_size_max = 50
        self.assertIn("(you typed 300 to 50)", logs.output[0])
        self.assertEqual((form.company_size_min, form.company_size_max), (300, 50))
        with self.assertRaisesRegex(ValidationError, "you typed 300 to 50"):
            form.save()
        self.assertFalse(self._mining_calls())

    @users("user_sales_manager")
    def test_invalid_values_are_refused_before_any_call(self):
        for values in (
            {"lead_number": 0},
            {"lead_number": 500},
            {"filter_on_size": True, "company_size_min": 500, "company_size_max": 10},
            {"search_type": "people", "contact_number": 6},
            {"state_ids": [(6, 0, self.env.ref("base.state_us_5").ids)]},  # California, country Spain
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self._new_request(**values)
        self.assertFalse(self._mining_calls())

    @users("user_sales_manager")
    def test_states_only_where_the_service_has_them(self):
        form = Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="iap"))
        form.country_ids.clear()
        form.country_ids.add(self.country_es)
        self.assertFalse(form.available_state_ids, "no state filter for Spain on the IAP service")
        form.country_ids.add(self.country_us)
        self.assertIn(self.env.ref("base.state_us_5"), form.available_state_ids)
        form.state_ids.add(self.env.ref("base.state_us_5"))
        form.country_ids.remove(self.country_us.id)
        self.assertFalse(form.state_ids, "states of a removed country are dropped")

    @users("user_sales_manager")
    def test_estimate_and_balance(self):
        self._use_protocol("clearbit")
        form = Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="iap"))
        form.lead_number = 10
        self.assertEqual(form.estimated_credits, 10)
        form.search_type = "people"
        form.contact_number = 3
        self.assertEqual(form.estimated_credits, 40)
        self.assertEqual(form.cost_summary, "Up to 40 credits: 1 per company and 1 per contact found.")
        request = self._new_request(lead_number=10)
        self.assertTrue(request.credit_balance_known)
        self.assertEqual(request.credit_balance, 1000)
        self.assertEqual(request.get_credit_balance_text("iap"), "Balance: 1,000 credits.")

    @users("user_sales_manager")
    def test_team_follows_the_salesperson(self):
        form = Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="iap"))
        form.user_id = self.user_sales_leads
        self.assertEqual(form.team_id, self.sales_team_1)

    def test_balance_is_loaded_on_demand_not_with_the_forms(self):
        """Opening the dialog or the settings never waits for the service:
        the balance widget asks for it once they are shown."""
        Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="iap"))
        Form(self.env["res.config.settings"])
        balance_calls = [call for call in self.lead_mining_server.requests if call["path"] == BALANCE_PATH]
        self.assertFalse(balance_calls, "no balance call while the forms open")
        requests = self.env["crm.iap.lead.mining.request"]
        self.assertEqual(requests.get_credit_balance_text("iap", self.env.company.id), "Balance: 1,000 credits.")
        self.assertEqual(len(self.lead_mining_server.requests), 1)
        # Over RPC anything can be sent: no model is looked up by an unknown code.
        self.assertIn("unknown", requests.get_credit_balance_text("state.mixin"))
        # The settings leave the provider empty until one is chosen: the default one's balance.
        self.assertEqual(requests.get_credit_balance_text(False), "Balance: 1,000 credits.")


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningAccess(LeadMiningCase):

    def test_salesman_cannot_create_requests_but_reads_the_link(self):
        request = self._new_request(lead_number=1)
        request.action_submit()
        with self.assertRaises(AccessError):
            self.env["crm.iap.lead.mining.request"].with_user(self.user_sales_salesman).create({
                "provider": "iap", "country_ids": [(6, 0, self.country_es.ids)],
            })
        lead = request.lead_ids.with_user(self.user_sales_salesman)
        self.assertEqual(lead.lead_mining_request_id.display_name, request.name)
        with self.assertRaises(AccessError):
            self.env.ref("crm_iap_mine.crm_iap_mine_role_1").with_user(self.user_sales_salesman).name = "Boss"

    def test_requests_stay_in_their_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        request = self._new_request(lead_number=1)
        request.sudo().company_id = other_company
        self.assertFalse(self.env["crm.iap.lead.mining.request"].with_user(self.user_sales_manager).search(
            [("id", "=", request.id)]
        ))

    def test_merging_keeps_the_request(self):
        request = self._new_request(lead_number=1)
        request.action_submit()
        mined = request.lead_ids
        other = self.env["crm.lead"].create({"name": "Hand made", "type": "opportunity", "user_id": self.user_sales_salesman.id})
        merged = (other + mined)._merge_opportunity(auto_unlink=False, max_length=None)
        self.assertEqual(merged.lead_mining_request_id, request)

    def test_stock_helper_signature_for_visitor_leads(self):
        """website_crm_iap_reveal builds one lead with the stock helper."""
        company = {
            "clearbit_id": "c1", "name": "Acme", "legal_name": "Acme S.L.", "domain": "acme.example",
            "email": ["info@acme.example"], "phone": "", "phone_numbers": ["+34 600 000 000"],
            "location": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013",
            "country_code": "es", "state_code": "M",
        }
        people = [{"full_name": "Núria Peña", "email": "nuria@acme.example", "title": "CFO"}]
        vals = self.env["crm.iap.lead.helpers"].lead_vals_from_response(
            "lead", self.sales_team_1.id, self.tags.ids, self.user_sales_leads.id, company, people,
        )
        self.assertEqual(vals["website"], "https://www.acme.example")
        self.assertEqual(vals["phone"], "+34 600 000 000")
        self.assertEqual(vals["street"], "Calle Mayor 1")
        self.assertEqual(vals["email_from"], "nuria@acme.example")
        self.assertEqual(vals["contact_name"], "Núria Peña")
        self.assertEqual(vals["country_id"], self.country_es.id)
        self.assertEqual(vals["state_id"], self.env.ref("base.state_es_m").id)
