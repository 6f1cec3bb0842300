"""The lead-mining service under load and hostile input (issue 23, points 6-9).

Like test_lead_mining_service.py: the service runs in the HttpCase test
server and is called over real HTTP on 127.0.0.1; the server shares the
test's cursor. What must come from another transaction (a call of the same
client under way) comes from a connection of its own.
"""
import json
import time
from datetime import timedelta
from urllib.parse import urlsplit
from unittest.mock import patch

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from ..controllers.lead_mining_service import CREDIT_COOKIE, MAX_BODY_PARAM
from ..models import crm_iap_lead_service_client as service_client
from ..models.crm_iap_lead_service_call import NOISE_LIMIT_PARAM, RETENTION_PARAM, TIME_LIMIT_PARAM
from ..models.crm_iap_lead_service_client import CALL_LOCK_KEY, CREDIT_PAGE_SECONDS
from ..tools.lead_mining_service import BALANCE_PATH as BALANCE, ERROR_NAMES
from .common import LeadMiningServiceCase
from .lead_mining_server import CLEARBIT_PATH as CLEARBIT, DNB_PATH as DNB

USER_ERROR = "odoo.exceptions.UserError"


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningServiceGuards(LeadMiningServiceCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.Company
        Company.create([{"name": f"Guarded Co {number}", "domain": f"guarded{number}.example",
                         "country_id": cls.env.ref("base.es").id, "employees": 20} for number in range(1, 7)])
        cls.client = cls.env["crm.iap.lead.service.client"].create({"name": "Guarded member"})
        cls.token = cls.client.action_generate_token()["params"]["message"].rsplit(" ", 1)[-1]
        cls.env["crm.iap.lead.credit.line"]._record(
            cls.client.company_id, "directory", [(10, "topup")], reference="T", service_client=cls.client)

    # -- helpers ------------------------------------------------------------

    def _post_raw(self, body, path=DNB):
        response = self.url_open(path, data=body, headers={"Content-Type": "application/json"})
        self.env.invalidate_all()
        return response

    def _call(self, params, path=DNB):
        response = self._post_raw(json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 7}), path)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _query(self, lead_number=2):
        return {"lead_number": lead_number, "search_type": "companies", "countries": [{"code": "ES", "states": []}]}

    def _dnb(self, lead_number=2, **params):
        return self._call(dict({"account_token": self.token, "query": self._query(lead_number), "reveal_ids": []},
                               **params))

    def _calls(self):
        return self.env["crm.iap.lead.service.call"].search([], order="id")

    # -- point 6: one call at a time, time limit, caps ------------------------

    def test_a_call_while_another_of_the_client_runs_is_answered_busy_at_once(self):
        # The other call: a transaction of its own holding the client's lock.
        with db_connect(self.env.cr.dbname).cursor() as other_call:
            other_call.execute("SELECT pg_advisory_xact_lock(%s, %s)", (CALL_LOCK_KEY, self.client.id))
            started = time.monotonic()
            error = self._dnb()["error"]["data"]
            waited = time.monotonic() - started
        self.assertEqual(error["name"], USER_ERROR)
        self.assertIn("one call at a time", error["message"])
        self.assertLess(waited, 5, "answered at once, not after waiting for the lock")
        self.assertEqual((self._calls().outcome, self.client.balance), ("busy", 10), "logged, nothing charged")
        # The lock released, the next call is served.
        self.assertEqual(len(self._dnb()["result"]["data"]), 2)
        self.assertEqual(self.client.balance, 8)

    @mute_logger("odoo.sql_db")  # logs the statement cancelled
    def test_the_time_limit_covers_the_whole_call(self):
        """Many statements, each well under the limit, stop at the limit."""
        self.env["ir.config_parameter"].sudo().set_param(TIME_LIMIT_PARAM, "0.6")
        Client = type(self.env["crm.iap.lead.service.client"])
        check_rate_limit = Client._check_rate_limit

        def slow_check_rate_limit(client, *args, **kwargs):
            for _step in range(5):
                client.env.cr.execute("SELECT pg_sleep(0.4)")
            return check_rate_limit(client, *args, **kwargs)

        with patch.object(Client, "_check_rate_limit", slow_check_rate_limit):
            started = time.monotonic()
            error = self._dnb()["error"]["data"]
            took = time.monotonic() - started
        self.assertIn("longer than the service's limit of 0.6 seconds", error["message"])
        self.assertLess(took, 1.6, "stopped at the limit, not after the 2 s of its statements")
        self.assertEqual((self._calls().outcome, self.client.balance), ("timeout", 10))
        self.env.cr.execute("SHOW statement_timeout")
        self.assertEqual(self.env.cr.fetchone()[0], "0", "the limit ends with the call")
        self.assertEqual(len(self._dnb()["result"]["data"]), 2, "the connection serves the next call")

    def test_too_many_reveal_ids_are_refused(self):
        prefix = self.client._reveal_prefix()
        with patch.object(service_client, "MAX_REVEAL_IDS", 3):
            error = self._dnb(reveal_ids=[f"{prefix}{number}" for number in range(4)])["error"]["data"]
            self.assertEqual(len(self._dnb(reveal_ids=[f"{prefix}{number}" for number in range(3)])["result"]["data"]),
                             2, "3 are allowed")
        self.assertEqual(error["name"], USER_ERROR)
        self.assertIn("Too many reveal_ids: at most 3", error["message"])
        self.assertEqual(self._calls().mapped("outcome"), ["refused_request", "done"])

    def test_body_above_twice_the_limit_gets_413(self):
        self.env["ir.config_parameter"].sudo().set_param(MAX_BODY_PARAM, "1")
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "account_token": self.token, "query": self._query(), "reveal_ids": ["x" * 30] * 40}})
        self.assertTrue(1024 < len(body) <= 2048)
        answer = self._post_raw(body)
        self.assertEqual(answer.status_code, 200)
        self.assertIn("too large", answer.json()["error"]["data"]["message"], "between the limit and the cap")
        answer = self._post_raw(body + " " * 1100)
        self.assertEqual(answer.status_code, 413, "above the hard cap: Odoo's own answer")
        self.assertEqual(self.client.balance, 10)

    # -- point 7: hostile input -------------------------------------------------

    def _hostile_bodies(self):
        """(name, raw body) of calls a client could send on purpose."""
        def call(query=None, **params):
            params = dict({"account_token": self.token, "query": dict(self._query(), **(query or {})),
                           "reveal_ids": []}, **params)
            return json.dumps({"jsonrpc": "2.0", "method": "call", "id": 3, "params": params})

        def clearbit_call(query):
            """Contacts: Clearbit (a D&B search for people is served companies only)."""
            query = {**self._query(), "search_type": "people", "contact_number": 1, **query}
            return CLEARBIT, json.dumps({"jsonrpc": "2.0", "method": "call", "id": 3, "params": {
                "account_token": self.token, "dbuuid": "x", "data": query}})
        prefix = self.client._reveal_prefix()
        return [
            ("deep nesting", '{"jsonrpc": "2.0", "params": ' + "[" * 100000 + "]" * 100000 + "}"),
            ("nesting under Python's limit", call({"countries": json.loads("[" * 900 + "]" * 900)})),
            ("nested id", '{"jsonrpc": "2.0", "id": ' + "[" * 500 + "]" * 500 + ', "params": {}}'),
            ("lone surrogate in the token", call().replace(self.token, "\\ud800" + self.token[1:])),
            ("NUL in the token", call().replace(self.token, "\\u0000" + self.token[1:])),
            ("lone surrogate in a country", call({"countries": [{"code": "\ud800", "states": []}]})),
            ("NUL in a country", call({"countries": [{"code": "E\u0000", "states": []}]})),
            ("number for countries", call({"countries": 34})),
            ("number for states", call({"countries": [{"code": "ES", "states": 7}]})),
            ("list for a country code", call({"countries": [{"code": ["ES"], "states": []}]})),
            ("number for industry_ids", call({"industry_ids": 12})),
            ("object for industry_ids", call({"industry_ids": {"12": True}})),
            ("number for sic_groups", call({"sic_groups": 73})),
            ("digit ² in sic_groups", call({"sic_groups": ["²"]})),
            ("lone surrogate in db_version", call({"lead_number": 0}, db_version="\ud800")),
            ("list for lead_number", call({"lead_number": [2]})),
            ("text for lead_number", call({"lead_number": "2"})),
            ("digit ² for lead_number", call({"lead_number": "²"})),
            ("huge company size", call({"company_size_min": 10 ** 30})),
            ("list for company size", call({"company_size_max": [50]})),
            ("number for other_roles", clearbit_call({"contact_filter_type": "role", "other_roles": 5})),
            ("lone surrogate in a role", clearbit_call({"contact_filter_type": "role", "preferred_role": "\ud800"})),
            ("list for seniority", clearbit_call({"contact_filter_type": "seniority", "seniority": ["\ud800"]})),
            ("list for contact_number", clearbit_call({"contact_number": [1]})),
            ("number for reveal_ids", call(reveal_ids=5)),
            ("digit ² in a reveal id", call(reveal_ids=[f"{prefix}²"], query={"lead_number": "x"})),
            ("nulls everywhere", call({"lead_number": None, "countries": [None], "industry_ids": [None]},
                                      reveal_ids=[None])),
            ("null country code", call({"countries": [{"code": None, "states": [None]}]})),
            ("null query", call(query=None).replace('"query": {', '"query": null, "x": {')),
            ("null params", '{"jsonrpc": "2.0", "method": "call", "id": 1, "params": null}'),
            ("null body", "null"),
            ("a list for a body", "[1, 2]"),
            ("not UTF-8", b'{"params": {"account_token": "\xff\xfe"}}'),
            ("blank body", " "),
            ("body between the limit and the hard cap", call(reveal_ids=["x" * 40] * 8000)),
        ]

    def test_hostile_input_gets_the_protocol_error_never_a_500(self):
        self.env["ir.config_parameter"].sudo().set_param(MAX_BODY_PARAM, "300")
        error_names = set(ERROR_NAMES.values())
        bodies = self._hostile_bodies()
        self.assertGreaterEqual(len(bodies), 20)
        calls_before = len(self._calls())
        for name, body in bodies:
            path, body = body if isinstance(body, tuple) else (DNB, body)
            with self.subTest(name):
                response = self._post_raw(body, path)
                self.assertEqual(response.status_code, 200, response.text[:300])
                answer = response.json()
                self.assertEqual(answer["jsonrpc"], "2.0")
                self.assertNotIn("result", answer)
                self.assertIn(answer["error"]["data"]["name"], error_names)
                self.assertTrue(answer["error"]["data"]["message"])
        self.assertEqual(self.client.balance, 10, "nothing charged")
        self.assertFalse(self._calls().delivered_company_ids, "nothing delivered")
        refused = self._calls()[calls_before:]
        self.assertFalse(refused.filtered(lambda call: call.outcome == "done"))
        self.assertGreaterEqual(len(refused.filtered("client_id")), 15,
                                "the calls with the client's token are logged under it (and count in its rate limit)")

    # -- point 8: anonymous noise, purge, balance rate limit ----------------------

    def _noise(self):
        return {row.address: row.count for row in self.env["crm.iap.lead.service.noise"].search([])}

    def test_unknown_tokens_are_counted_per_minute_and_address_then_silent(self):
        self.env["ir.config_parameter"].sudo().set_param(NOISE_LIMIT_PARAM, "3")
        Noise = self.env["crm.iap.lead.service.noise"]
        if fields.Datetime.now().second > 50:
            time.sleep(61 - fields.Datetime.now().second)  # all in the same minute
        for _call in range(5):
            error = self._call({"account_token": "not-a-token", "query": {"filters": "x" * 1000}})["error"]["data"]
            self.assertEqual(error["name"], "odoo.exceptions.AccessError", "always answered")
        self.assertFalse(self._calls(), "no audit line, no filters kept")
        self.assertEqual(self._noise(), {"127.0.0.1": 3}, "one row, counted up to the limit, then nothing written")
        self.assertEqual(Noise.search([]).minute.second, 0, "per minute")
        # Behind a proxy: the address the proxy forwards (Odoo's --proxy-mode).
        headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "service.example", "Content-Type": "application/json"}
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"account_token": "not-a-token"}})
        with patch.dict(config.options, proxy_mode=True):
            for _call in range(2):
                self.assertEqual(self.url_open(DNB, data=body, headers=headers).status_code, 200)
        self.url_open(DNB, data="not json", headers=headers)  # without --proxy-mode: the proxy's own address
        self.env.invalidate_all()
        self.assertEqual(self._noise(), {"127.0.0.1": 3, "203.0.113.7": 2})
        # A known client is never silenced by others' noise.
        self.assertEqual(len(self._dnb()["result"]["data"]), 2)

    def test_autovacuum_purges_old_calls_without_deliveries(self):
        Call = self.env["crm.iap.lead.service.call"].sudo()
        gc = type(Call)._gc_calls_without_deliveries
        self.assertTrue(getattr(gc, "_autovacuum", False), "run by Odoo's daily autovacuum")
        now = fields.Datetime.now()
        company = self.env["crm.iap.lead.directory.company"].search([], limit=1)

        def call(days, delivered=False, outcome="refused_request"):
            return Call.create({"date": now - timedelta(days=days), "protocol": "dnb", "outcome": outcome,
                                "client_id": self.client.id,
                                "delivered_company_ids": [(6, 0, company.ids if delivered else [])]})
        old, old_delivered, recent, old_empty_answer = call(91), call(200, True, "done"), call(89), call(95, outcome="done")
        self.env["crm.iap.lead.service.noise"].sudo().create([
            {"minute": now - timedelta(days=days), "address": "198.51.100.1", "count": 5} for days in (1, 91)])
        gc(Call)
        self.assertEqual(Call.search([]), recent | old_delivered, "delivered calls stay, whatever their age")
        self.assertFalse(old.exists() or old_empty_answer.exists())
        self.assertEqual(len(self.env["crm.iap.lead.service.noise"].search([])), 1)
        self.env["ir.config_parameter"].sudo().set_param(RETENTION_PARAM, "30")
        gc(Call)
        self.assertEqual(Call.search([]), old_delivered, "a configurable number of days")

    def test_balance_route_is_rate_limited(self):
        self.client.rate_limit = 1
        allowed = service_client.BALANCE_CALLS_PER_MINING_CALL
        balance = [self._call({"account_token": self.token, "service_name": "reveal"}, BALANCE)
                   for _call in range(allowed + 1)]
        self.assertEqual([answer.get("result") for answer in balance[:allowed]], [10] * allowed)
        self.assertIn(f"ask its balance {allowed} times per minute", balance[allowed]["error"]["data"]["message"])
        self.assertEqual(len(self._dnb()["result"]["data"]), 2, "mining calls have their own count")

    # -- point 9: the Buy credits page keeps no token in its address -------------

    def test_buy_credits_page_redirects_to_a_token_free_address(self):
        url = f"/iap/1/credit?dbuuid=x&service_name=reveal&account_token={self.token}&credit=0"
        response = self.url_open(url)
        self.assertEqual((response.status_code, [step.status_code for step in response.history]), (200, [303]))
        self.assertEqual(urlsplit(response.url)[2:4], ("/iap/1/credit", ""), "no token, no query string")
        self.assertIn("Your account Guarded member has 10 credits left.", response.text)
        cookie = response.history[0].headers["Set-Cookie"]
        self.assertNotIn(self.token, cookie)
        for attribute in ("HttpOnly", f"Max-Age={CREDIT_PAGE_SECONDS}", "Path=/iap/1/credit", "SameSite=Lax"):
            self.assertIn(attribute, cookie)
        self.assertEqual(response.history[0].headers["Referrer-Policy"], "no-referrer")
        # The cookie stands for the token while it is valid, and only then.
        value = self.opener.cookies[CREDIT_COOKIE]
        self.opener.cookies.clear()

        def page(cookie):
            return self.url_open("/iap/1/credit", headers={"Cookie": f"{CREDIT_COOKIE}={cookie}"}).text

        client_id, expiry, signature = value.split(".")
        for name, forged in [("tampered", f"{client_id}.{expiry}.{signature[:-1]}{'1' if signature[-1] == '0' else '0'}"),
                             ("other client", f"{int(client_id) + 1}.{expiry}.{signature}"),
                             ("expired", f"{client_id}.{int(time.time()) - 1}.{signature}"),
                             ("garbage", "².x")]:
            with self.subTest(name):
                html = page(forged)
                self.assertIn("To buy credits, please contact", html)
                self.assertNotIn("credits left", html)
        self.assertIn("credits left", page(value))
        self.client.action_generate_token()
        self.assertNotIn("credits left", page(value), "a new token voids the cookie")
