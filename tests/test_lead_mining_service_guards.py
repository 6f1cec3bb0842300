"""The lead-mining service under load and hostile input (issue 23, points 6-9).

Like test_lead_mining_service.py: the service runs in the HttpCase test
server and is called over real HTTP on 127.0.0.1; the server shares the
test's cursor. What must come from another transaction (a call of the same
client under way) comes from a connection of its own.
"""
import json
import time
from unittest.mock import patch

from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..controllers.lead_mining_service import MAX_BODY_PARAM
from ..models import crm_iap_lead_service_client as service_client
from ..models.crm_iap_lead_service_call import TIME_LIMIT_PARAM
from ..models.crm_iap_lead_service_client import CALL_LOCK_KEY, SERVICE_PARAM
from .lead_mining_server import DNB_PATH as DNB

USER_ERROR = "odoo.exceptions.UserError"


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningServiceGuards(HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(SERVICE_PARAM, "True")
        Company = cls.env["crm.iap.lead.directory.company"]
        Company.search([]).active = False
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
