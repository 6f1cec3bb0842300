import threading

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import CommittedCompanyMixin

REQUESTS = 20
CREDITS_EACH = 10
BALANCE = 100


@tagged("post_install", "-at_install", "lead_mining")
class TestConcurrentDebits(CommittedCompanyMixin, TransactionCase):
    """Many managers submitting at once never overspend the balance.

    Each submission runs in its own committed cursor, like concurrent HTTP
    requests; a serialisation failure is retried, as Odoo's RPC layer does.
    """

    # Japan: no demo directory company there, so only this test's are picked.
    def setUp(self):
        super().setUp()
        self._create_committed_company("Concurrency Co", self.env.ref("base.jp"))
        with self._env() as env:
            company = env["res.company"].browse(self.company_id)
            self._add_directory(env, "Concurrent", env.ref("base.jp"), REQUESTS * CREDITS_EACH)
            env["crm.iap.lead.credit.line"]._record(company, "directory", [(BALANCE, "topup")])

    def _submit_one(self, outcomes, barrier):
        barrier.wait()
        for _attempt in range(20):
            try:
                with self._env() as env:
                    request = self._create_request(env, CREDITS_EACH)
                    request.action_submit()
                    outcomes.append((request.state, request.error_type, len(request.lead_ids)))
                return
            except psycopg2.errors.SerializationFailure:
                continue
        outcomes.append(("gave up", None, 0))

    @mute_logger("odoo.sql_db")  # the serialisation failures that get retried
    def test_exactly_what_the_balance_covers_succeeds(self):
        outcomes, barrier = [], threading.Barrier(REQUESTS)
        threads = [threading.Thread(target=self._submit_one, args=(outcomes, barrier)) for _n in range(REQUESTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

        self.assertEqual(len(outcomes), REQUESTS)
        done = [outcome for outcome in outcomes if outcome[0] == "done"]
        failed = [outcome for outcome in outcomes if outcome[0] != "done"]
        self.assertEqual(len(done), BALANCE // CREDITS_EACH)
        self.assertTrue(all(leads == CREDITS_EACH for _state, _error, leads in done))
        self.assertEqual(set(failed), {("error", "credits", 0)}, "every failure is a clean credits error")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(self.company_id)
            self.assertEqual(env["crm.iap.lead.credit.line"]._get_balance(company, "directory"), 0)
            self.assertEqual(env["crm.lead"].search_count([("company_id", "=", company.id)]), BALANCE)
            delivered = env["crm.iap.lead.directory.company"].search(
                [("company_id", "=", company.id), ("delivery_count", ">", 0)])
            self.assertEqual(len(delivered), BALANCE, "no company delivered twice")
            self.assertEqual(max(delivered.mapped("delivery_count")), 1)
