"""Our directory served to other databases over Odoo's lead-mining protocols.

The service runs in the HttpCase test server. The same database is its own
client: `reveal.endpoint` and `iap.endpoint` point at the test server and the
Odoo IAP provider mines from it in both protocols, so a real client proves
the protocols are compatible. The server shares the test's cursor (under the
registry's test lock), so what it writes is visible here after a cache
invalidation. Refusals are checked with raw JSON-RPC posts.
"""
import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..controllers.lead_mining_service import MAX_BODY_PARAM
from ..models import crm_iap_lead_provider_iap as iap_provider
from ..models.crm_iap_lead_service_call import TIME_LIMIT_PARAM
from ..models.crm_iap_lead_service_client import (
    CONTACT_EMAIL_PARAM, CONTACT_NAME_PARAM, CONTACT_TEXT_PARAM, SERVICE_PARAM)
from ..tools.protocols import PROTOCOLS
from .common import LeadMiningServiceCase
from .directory_sample import load_copy
from .lead_mining_server import CLEARBIT_PATH as CLEARBIT, DNB_PATH as DNB

INSUFFICIENT = "odoo.addons.iap.tools.iap_tools.InsufficientCreditError"


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningService(LeadMiningServiceCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.Company
        cls.country_es, cls.country_it = cls.env.ref("base.es"), cls.env.ref("base.it")
        cls.role_sale = cls.env.ref("crm_iap_mine.crm_iap_mine_role_22")
        cls.directory = Company.create([{
            "name": f"Served Co {number}", "domain": f"served{number}.example",
            "country_id": (cls.country_es if number <= 6 else cls.country_it).id, "employees": 20,
            "contact_ids": [(0, 0, {"name": f"Seller {number}", "email": f"seller@served{number}.example",
                                    "role_id": cls.role_sale.id})],
        } for number in range(1, 9)])
        cls.client = cls.env["crm.iap.lead.service.client"].create({"name": "Member database"})
        notification = cls.client.action_generate_token()
        cls.token = notification["params"]["message"].rsplit(" ", 1)[-1]
        cls._top_up(cls.client, 10)
        cls.env["iap.account"].create({"service_name": "reveal", "account_token": cls.token})
        cls.env.user.lead_mining_gdpr_ack_date = "2026-01-01"

    @classmethod
    def _top_up(cls, client, amount):
        cls.env["crm.iap.lead.credit.line"]._record(
            client.company_id, "directory", [(amount, "topup")], reference="T", service_client=client)

    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("reveal.endpoint", self.base_url())
        params.set_param("iap.endpoint", self.base_url())
        iap_provider._balance_cache.clear()

    # -- helpers ------------------------------------------------------------

    def _post(self, path, params):
        response = self.url_open(path, data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 7}),
                                 headers={"Content-Type": "application/json"})
        self.env.invalidate_all()
        return response

    def _call(self, path, params):
        response = self._post(path, params)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _dnb(self, lead_number=3, token=None, **params):
        query = {"lead_number": lead_number, "search_type": "companies", "countries": [{"code": "ES", "states": []}]}
        return self._call(DNB, dict({"account_token": token or self.token, "query": query, "reveal_ids": []}, **params))

    def _clearbit(self, lead_number=3, token=None):
        query = {"lead_number": lead_number, "search_type": "companies", "countries": [{"code": "ES", "states": []}]}
        return self._call(CLEARBIT, {"account_token": token or self.token, "dbuuid": "x", "data": query})

    def _mine_with_our_client(self, protocol, **values):
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.iap_protocol", protocol)
        request = self.env["crm.iap.lead.mining.request"].create(dict({
            "provider": "iap", "lead_number": 3, "search_type": "companies", "lead_type": "lead",
            "country_ids": [(6, 0, self.country_es.ids)],
        }, **values))
        request.action_submit()
        self.env.invalidate_all()
        return request

    def _credit_page(self, url, language=None):
        response = self.url_open(url, headers={"Accept-Language": language} if language else None)
        self.assertEqual(response.status_code, 200)
        return response.text

    def _calls(self):
        return self.env["crm.iap.lead.service.call"].search([], order="id")

    def _delivered(self):
        return self._calls().delivered_company_ids

    # -- tests ----------------------------------------------------------------

    def test_dnb_client_mines_from_our_service(self):
        request = self._mine_with_our_client("dnb")
        self.assertEqual(request.state, "done", request.error_message)
        self.assertEqual(len(request.lead_ids), 3)
        self.assertEqual(set(request.lead_ids.mapped("partner_name")) <= set(self.directory.mapped("name")), True)
        self.assertEqual(self.client.balance, 7, "3 companies at 1 credit each")
        call = self._calls()
        self.assertEqual((call.client_id, call.protocol, call.outcome, call.company_count, call.credits),
                         (self.client, "dnb", "done", 3, 3))
        self.assertEqual(set(request.lead_ids.mapped("reveal_id")),
                         {f"{self.client._reveal_prefix()}{company.id}" for company in call.delivered_company_ids})

    def test_clearbit_client_mines_companies_and_contacts(self):
        request = self._mine_with_our_client(
            "clearbit", lead_number=2, search_type="people", contact_number=1, contact_filter_type="role",
            preferred_role_id=self.role_sale.id)
        self.assertEqual(request.state, "done", request.error_message)
        self.assertEqual(len(request.lead_ids), 2)
        self.assertEqual(self.client.balance, 6, "2 companies and 2 contacts")
        self.assertEqual((self._calls().company_count, self._calls().contact_count), (2, 2))
        self.assertIn("seller@served", " ".join(request.lead_ids.mapped("email_from")))

    def test_every_path_of_every_protocol_is_served(self):
        for protocol in PROTOCOLS.values():
            for path in protocol.server_paths:
                with self.subTest(path=path):
                    error = self._call(path, {"account_token": "not-a-token"})["error"]
                    self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
                    self.assertFalse(self._calls(), "an unknown token is only counted (crm.iap.lead.service.noise)")

    def test_a_dnb_search_gets_no_contacts(self):
        query = {"lead_number": 2, "search_type": "people", "contact_number": 1, "contact_filter_type": "role",
                 "preferred_role": self.role_sale.reveal_id, "countries": [{"code": "ES", "states": []}]}
        items = self._call(DNB, {"account_token": self.token, "query": query, "reveal_ids": []})["result"]["data"]
        self.assertEqual(len(items), 2)
        self.assertFalse([item for item in items if "people_data" in item or "email" in item])
        self.assertEqual((self._calls().contact_count, self.client.balance), (0, 8), "companies only, and charged so")

    def test_balance_route_answers_the_client_balance(self):
        self.assertEqual(self._call("/iap/1/balance", {"account_token": self.token, "service_name": "reveal"})["result"], 10)
        balance = self.env["crm.iap.lead.provider.iap"]._get_balance(self.env.company)
        self.assertEqual(balance, 10.0, "our client reads it as Odoo's IAP balance")

    def test_buy_credits_page_says_whom_to_contact(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(CONTACT_NAME_PARAM, "the Members Desk")
        params.set_param(CONTACT_EMAIL_PARAM, "credits@service.example")
        params.set_param(CONTACT_TEXT_PARAM, "100 credits cost 10 EUR.")
        # The address the client's own Buy credits button opens.
        html = self._credit_page(self.env["iap.account"].get_credits_url("reveal"))
        self.assertIn(f"This lead-mining service is run by {self.env.company.name}.", html)
        self.assertIn("To buy credits, please contact the Members Desk.", html)
        self.assertIn('href="mailto:credits@service.example"', html)
        self.assertIn("100 credits cost 10 EUR.", html)
        self.assertIn("Your account Member database has 10 credits left.", html)

    def test_buy_credits_page_shows_no_client_without_its_token(self):
        other = self.env["crm.iap.lead.service.client"].create({"name": "Other member"})
        self._top_up(other, 5)
        self.env.company.email = "owner@service.example"
        for token in ("", "not-a-token"):
            html = self._credit_page(f"/iap/1/credit?dbuuid=x&service_name=reveal&account_token={token}&credit=0")
            self.assertIn(f"To buy credits, please contact {self.env.company.name}.", html, "the default contact")
            self.assertIn('href="mailto:owner@service.example"', html)
            self.assertNotIn("Member database", html)
            self.assertNotIn("Other member", html)
            self.assertNotIn("credits left", html)

    def test_buy_credits_page_in_the_visitor_language(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"]._load_module_terms(["crm_iap_mine"], ["es_ES"], overwrite=True)
        html = self._credit_page(self.env["iap.account"].get_credits_url("reveal"), language="es-ES,es;q=0.9")
        self.assertIn("Su cuenta Member database tiene 10 créditos disponibles.", html)

    def test_reveal_ids_left_out_and_not_charged(self):
        prefix = self.client._reveal_prefix()
        known = self.directory[:2]
        answer = self._dnb(lead_number=6, reveal_ids=[f"{prefix}{company.id}" for company in known] + ["123456789"])
        duns = {item["duns"] for item in answer["result"]["data"]}
        self.assertEqual(len(duns), 4, "6 Spanish companies, 2 of them known")
        self.assertFalse(duns & {f"{prefix}{company.id}" for company in known})
        self.assertEqual(self.client.balance, 6)

    def test_never_the_same_company_twice_to_a_client(self):
        first = self._dnb(lead_number=4)["result"]["data"]
        second = self._dnb(lead_number=4)["result"]["data"]
        self.assertEqual((len(first), len(second)), (4, 2), "6 Spanish companies in all")
        self.assertFalse({item["duns"] for item in first} & {item["duns"] for item in second})
        self.assertEqual(self.client.balance, 4)

    def test_insufficient_credits_in_both_shapes(self):
        client = self.client
        client.price_per_company = 5
        self.assertEqual(self._dnb(lead_number=3)["result"], {"data": [], "credit_error": True})
        error = self._clearbit(lead_number=3)["error"]
        self.assertEqual(error["data"]["name"], INSUFFICIENT)
        self.assertEqual(client.balance, 10, "nothing charged")
        self.assertFalse(self._delivered(), "nothing delivered")
        self.assertEqual(self._calls().mapped("outcome")[-2:], ["refused_credits", "refused_credits"])
        request = self._mine_with_our_client("clearbit")
        self.assertEqual((request.state, request.error_type), ("error", "credits"))

    def test_monthly_cap(self):
        self.client.monthly_cap = 4
        self.assertEqual(len(self._dnb(lead_number=3)["result"]["data"]), 3)
        self.assertEqual(self._clearbit(lead_number=2)["error"]["data"]["name"], INSUFFICIENT,
                         "3 spent this month, 2 more would pass the cap of 4")
        self.assertEqual(self.client.balance, 7)

    def test_unknown_or_suspended_token_is_refused(self):
        error = self._dnb(token="not-a-token")["error"]
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.client.active = False
        self.assertEqual(self._clearbit()["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(self._calls(), "no audit line without a client")
        self.assertEqual(sum(self.env["crm.iap.lead.service.noise"].search([]).mapped("count")), 2, "counted")
        self.assertNotIn(self.token, json.dumps(self._calls().read(["filters", "message"])))

    def test_rate_limit_per_minute(self):
        self.client.rate_limit = 2
        self._dnb(lead_number=1)
        self._dnb(lead_number=1)
        error = self._dnb(lead_number=1)["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("2 calls per minute", error["message"])
        self.assertEqual(self.client.balance, 8, "the refused call is not charged")

    def test_too_many_leads_per_call_is_refused(self):
        error = self._dnb(lead_number=201)["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("from 1 to 200", error["message"])
        self.assertEqual((self._calls().outcome, self.client.balance), ("refused_request", 10))

    def test_oversized_request_is_refused(self):
        self.env["ir.config_parameter"].sudo().set_param(MAX_BODY_PARAM, "1")
        # Over the limit, under the hard cap of twice the limit (then 413).
        error = self._dnb(reveal_ids=["x" * 40] * 25)["error"]["data"]
        self.assertIn("too large", error["message"])
        self.assertEqual((len(self._calls()), self.client.balance), (0, 10), "counted, not logged (the token is not read)")

    @mute_logger("odoo.sql_db")  # logs the statement PostgreSQL cancelled
    def test_call_over_the_time_limit_is_stopped(self):
        # A real slow picking: 20,000 more companies in every country, and a
        # limit of one millisecond.
        load_copy(self.env, 20000, seed=5, contact_every=1000)
        self.env["ir.config_parameter"].sudo().set_param(TIME_LIMIT_PARAM, "0.001")
        countries = [{"code": code, "states": []} for code in self.env["crm.iap.lead.directory.company"].search(
            []).country_id.mapped("code")]
        answer = self._call(DNB, {"account_token": self.token, "reveal_ids": [], "query": {
            "lead_number": 20, "search_type": "companies", "countries": countries}})
        error = answer["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.UserError")
        self.assertIn("longer than the service's limit of 0.001 seconds", error["message"])
        call = self._calls()
        self.assertEqual((call.outcome, call.company_count, call.credits), ("timeout", 0, 0))
        self.assertFalse(call.delivered_company_ids, "nothing delivered")
        self.assertEqual(self.client.balance, 10, "nothing charged")
        self.assertFalse(self.env["crm.iap.lead.directory.company"].search_count([("delivery_count", ">", 0)]))
        self.env.cr.execute("SHOW statement_timeout")
        self.assertEqual(self.env.cr.fetchone()[0], "0", "the limit ends with the call")

    def test_allowed_countries(self):
        self.client.country_ids = self.country_it
        error = self._dnb()["error"]["data"]
        self.assertIn("may not mine companies in: ES", error["message"])

    def test_service_off_answers_not_found(self):
        self.env["ir.config_parameter"].sudo().set_param(SERVICE_PARAM, "False")
        self.assertEqual(self._post(DNB, {"account_token": self.token}).status_code, 404)
        self.assertEqual(self.url_open("/iap/1/credit").status_code, 404)
