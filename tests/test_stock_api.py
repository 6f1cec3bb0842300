from odoo.tests import tagged, users

from .common import LeadMiningCase

STOCK_ACCESS_XMLIDS = [
    "access_crm_iap_lead_industry", "access_crm_iap_lead_role", "access_crm_iap_lead_seniority",
    "access_crm_iap_lead_mining_request", "access_crm_iap_lead_helpers",
]


@tagged("post_install", "-at_install", "lead_mining")
class TestStockApi(LeadMiningCase):
    """What modules built on the stock module call still answers, through this addon's flow."""

    def setUp(self):
        super().setUp()
        # The stock module's API dates from the Clearbit protocol (contacts, `data`).
        self._use_protocol("clearbit")

    @users("user_sales_manager")
    def test_perform_request_then_create_leads_from_response(self):
        request = self._new_request(lead_number=2, search_type="people", contact_number=1,
                                    preferred_role_id=self.env.ref("crm_iap_mine.crm_iap_mine_role_22").id)
        items = request._perform_request()
        self.assertEqual(len(items), 2)
        self.assertTrue(all(item["company_data"].get("name") and item["people_data"] for item in items))
        self.assertEqual(len(self._mining_calls()), 1)
        self.assertEqual(self.lead_mining_server.balance, 1000 - 4)
        self.assertEqual(request.credits_charged, 4)
        ledger = self.env["crm.iap.lead.credit.line"].search([("request_id", "=", request.id)])
        self.assertEqual(sum(ledger.mapped("amount")), -4, "the charge is in the ledger")

        created = request._create_leads_from_response(items)
        self.assertEqual(created, 2)
        leads = request.lead_ids
        self.assertEqual(len(leads), 2)
        self.assertEqual(leads.user_id, self.user_sales_salesman)
        self.assertEqual(len(leads[0].message_ids), 1, "one enrichment note, as for any mined lead")
        # The same answer again: the companies are known, not created twice.
        self.assertEqual(request._create_leads_from_response(items), 0)
        self.assertEqual(len(request.lead_ids), 2)

    @users("user_sales_manager")
    def test_perform_request_stores_the_error(self):
        self.lead_mining_server.balance = 0
        request = self._new_request()
        self.assertFalse(request._perform_request())
        self.assertEqual((request.state, request.error_type), ("error", "credits"))
        self.assertTrue(request.error_message)

        self.lead_mining_server.balance = 1000
        self.lead_mining_server.fail_with = "no_result"
        retry = self._new_request()
        self.assertFalse(retry._perform_request())
        self.assertEqual(retry.error_type, "no_result")

    @users("user_sales_manager")
    def test_iap_contact_mining_answers_like_the_service(self):
        request = self._new_request(lead_number=3)
        response = request._iap_contact_mining({"data": request._prepare_iap_payload()}, timeout=30)
        self.assertEqual(len(response["data"]), 3)
        self.assertEqual(self._mining_calls()[-1]["params"]["data"]["lead_number"], 3)

    @users("user_sales_manager")
    def test_lead_vals_from_response(self):
        request = self._new_request()
        vals = request._lead_vals_from_response({
            "company_data": {"name": "Acme", "domain": "acme.example", "country_code": "ES", "email": ["a@acme.example"]},
            "people_data": [{"full_name": "Ana", "email": "ana@acme.example", "title": "CEO"}],
        })
        self.assertEqual(vals["lead_mining_request_id"], request.id)
        self.assertEqual(vals["user_id"], self.user_sales_salesman.id)
        self.assertEqual(vals["country_id"], self.country_es.id)
        self.assertEqual((vals["contact_name"], vals["email_from"], vals["function"]), ("Ana", "ana@acme.example", "CEO"))
        # Stock answers without people are accepted too.
        vals = request._lead_vals_from_response({"company_data": {"name": "Solo", "domain": "solo.example"}})
        self.assertEqual(vals["website"], "https://www.solo.example")

    @users("user_sales_manager")
    def test_cost_tooltip_fields(self):
        request = self._new_request(lead_number=3, search_type="people", contact_number=2,
                                    preferred_role_id=self.env.ref("crm_iap_mine.crm_iap_mine_role_22").id)
        self.assertIn("3", request.lead_credits)
        self.assertIn("6", request.lead_contacts_credits)
        self.assertIn("9", request.lead_total_credits)
        self.assertEqual(request.read(["lead_credits", "lead_contacts_credits", "lead_total_credits"])[0]["lead_total_credits"],
                         request.lead_total_credits)

    def test_find_state_id(self):
        madrid = self.env.ref("base.state_es_m")
        helpers = self.env["crm.iap.lead.helpers"]
        self.assertEqual(helpers._find_state_id(madrid.code, self.country_es.id), madrid.id)
        self.assertEqual(helpers._find_state_id(madrid.code.lower(), self.country_es.id), madrid.id)
        self.assertFalse(helpers._find_state_id("NOPE", self.country_es.id))

    def test_stock_access_right_xmlids(self):
        for name in STOCK_ACCESS_XMLIDS:
            self.assertTrue(self.env.ref(f"crm_iap_mine.{name}", raise_if_not_found=False), name)
        manager = self.env.ref("sales_team.group_sale_manager")
        self.assertEqual(self.env.ref("crm_iap_mine.access_crm_iap_lead_mining_request").group_id, manager)
        accesses = self.env["ir.model.access"].search([("model_id.model", "=like", "crm.iap.lead.%")])
        pairs = [(access.model_id.model, access.group_id.id) for access in accesses]
        self.assertEqual(len(pairs), len(set(pairs)), "one access right per model and group")
