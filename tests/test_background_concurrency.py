import threading
from contextlib import contextmanager
from unittest.mock import patch

import psycopg2.errors

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.crm_iap_lead_directory_search import CrmIapLeadDirectorySearch
from ..models.crm_iap_lead_mining_request import CrmIapLeadMiningRequest
from .common import CommittedCompanyMixin

COMPANIES = 260
BALANCE = 1000


class ServerKilled(BaseException):
    """Stands for the server process dying: nothing in Odoo catches it."""


@tagged("post_install", "-at_install", "lead_mining")
class TestBackgroundCommittedBatches(CommittedCompanyMixin, TransactionCase):
    """The batch runner with real commits, each step in its own cursor as
    separate cron runs (or workers) would have."""

    def setUp(self):
        super().setUp()
        self._create_committed_company("Background Co", self.env.ref("base.jp"))
        with self._env() as env:
            params = env["ir.config_parameter"]
            self.addCleanup(self._restore_param, "crm_iap_mine.background_batch_size",
                            params.get_param("crm_iap_mine.background_batch_size"))
            params.set_param("crm_iap_mine.background_batch_size", 100)
            company = env["res.company"].browse(self.company_id)
            self._add_directory(env, "Batch", env.ref("base.jp"), COMPANIES)
            env["crm.iap.lead.credit.line"]._record(company, "directory", [(BALANCE, "topup")])

    def _restore_param(self, key, value):
        with self._env() as env:
            env["ir.config_parameter"].set_param(key, value or False)

    def _queue(self, lead_number, country="base.jp"):
        with self._env() as env:
            request = self._create_request(env, lead_number, country)
            request.action_submit()
            self.assertEqual(request.state, "queued")
            return request.id

    def _state(self, request_id):
        with self._env() as env:
            request = env["crm.iap.lead.mining.request"].browse(request_id)
            company = request.company_id
            names = request.lead_ids.mapped("name")
            return {
                "state": request.state, "mined": request.mined_count, "leads": len(names),
                "distinct": len(set(names)), "held": request.held_credits,
                "balance": env["crm.iap.lead.credit.line"]._get_balance(company, "directory"),
                "delivered": env["crm.iap.lead.directory.company"].search_count(
                    [("company_id", "=", company.id), ("delivery_count", ">", 0)]),
            }

    def test_a_run_killed_between_batches_resumes_without_duplicate_or_double_charge(self):
        request_id = self._queue(250)
        create_leads = CrmIapLeadMiningRequest._create_leads
        calls = []

        def dies_in_second_batch(request, items):
            calls.append(len(items))
            if len(calls) == 2:
                raise ServerKilled()
            return create_leads(request, items)

        with patch.object(CrmIapLeadMiningRequest, "_create_leads", dies_in_second_batch):
            with self.assertRaises(ServerKilled), self._env() as env:
                env["crm.iap.lead.mining.request"]._cron_mine_in_background()
        after_crash = self._state(request_id)
        self.assertEqual(after_crash, {
            "state": "running", "mined": 100, "leads": 100, "distinct": 100, "held": 150,
            "balance": BALANCE - 250, "delivered": 100,
        }, "the first batch is committed, the second left nothing behind")

        with self._env() as env:
            env["crm.iap.lead.mining.request"]._cron_mine_in_background()
        self.assertEqual(self._state(request_id), {
            "state": "done", "mined": 250, "leads": 250, "distinct": 250, "held": 0,
            "balance": BALANCE - 250, "delivered": 250,
        })

    def test_two_workers_never_take_the_same_request(self):
        first, second = self._queue(210), self._queue(210)
        with self._env() as env_a, self._env() as env_b:
            taken_a = env_a["crm.iap.lead.mining.request"]._lock_next_background_request()
            taken_b = env_b["crm.iap.lead.mining.request"]._lock_next_background_request()
            self.assertEqual(taken_a.id, first)
            self.assertEqual(taken_b.id, second, "the locked request is skipped, not waited for")
            with self._env() as env_c:
                self.assertFalse(env_c["crm.iap.lead.mining.request"]._lock_next_background_request())
        with self._env() as env:
            env["crm.iap.lead.mining.request"]._cron_mine_in_background()
        self.assertEqual(self._state(first)["leads"] + self._state(second)["leads"], COMPANIES,
                         "the second request gets what the first left")
        self.assertEqual(self._state(second)["delivered"], COMPANIES, "no company delivered twice")

    def test_two_tabs_submitting_the_same_request_reserve_its_credits_once(self):
        with self._env() as env:
            request_id = env["crm.iap.lead.mining.request"].create({
                "provider": "directory", "company_id": self.company_id, "lead_number": 210,
                "country_ids": [(6, 0, env.ref("base.jp").ids)], "user_id": False, "team_id": False,
            }).id
        outcomes, barrier = [], threading.Barrier(2)

        def submit():
            barrier.wait()
            for _attempt in range(5):
                try:
                    with self._env() as env:
                        env["crm.iap.lead.mining.request"].browse(request_id).action_submit()
                    outcomes.append("queued")
                    return
                except psycopg2.errors.SerializationFailure:
                    continue  # retried, as Odoo's RPC layer does
                except UserError as error:
                    outcomes.append(str(error))
                    return

        with mute_logger("odoo.sql_db"):
            threads = [threading.Thread(target=submit) for _tab in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        self.assertEqual(len(outcomes), 2)
        self.assertEqual(outcomes.count("queued"), 1, f"one tab queues it, the other is refused: {outcomes}")
        refusal = next(outcome for outcome in outcomes if outcome != "queued")
        self.assertIn("cannot be started", refusal)
        state = self._state(request_id)
        self.assertEqual((state["state"], state["held"], state["balance"]), ("queued", 210, BALANCE - 210),
                         "one reservation, not two")

    @contextmanager
    def _concurrent_top_up_after_picking(self, request_id, times):
        """A top-up committed by another transaction each time the batch of
        `request_id` has picked its companies (at most `times` times): the
        batch's debit then meets a real serialisation failure."""
        pick = CrmIapLeadDirectorySearch._pick_companies
        top_ups = []

        def pick_then_top_up(engine, search):
            picked = pick(engine, search)
            if search.request_id == request_id and len(top_ups) < times:
                top_ups.append(1)
                with self._env() as env:
                    company = env["res.company"].browse(self.company_id)
                    env["crm.iap.lead.credit.line"]._record(company, "directory", [(1, "topup")])
            return picked

        with patch.object(CrmIapLeadDirectorySearch, "_pick_companies", pick_then_top_up):
            yield top_ups

    @mute_logger("odoo.sql_db")
    def test_a_serialisation_failure_is_retried_in_the_same_run(self):
        request_id = self._queue(210)
        with self._concurrent_top_up_after_picking(request_id, times=1) as top_ups, self._env() as env:
            env["crm.iap.lead.mining.request"]._cron_mine_in_background()
        self.assertEqual(len(top_ups), 1)
        self.assertEqual(self._state(request_id), {
            "state": "done", "mined": 210, "leads": 210, "distinct": 210, "held": 0,
            "balance": BALANCE + 1 - 210, "delivered": 210,
        })
        with self._env() as env:
            self.assertEqual(env["crm.iap.lead.mining.request"].browse(request_id).failed_batch_attempts, 0)

    @mute_logger("odoo.sql_db", "odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request_background")
    def test_a_request_conflicting_again_and_again_ends_in_error_and_the_next_one_runs(self):
        stuck, next_one = self._queue(210), self._queue(210)
        with self._concurrent_top_up_after_picking(stuck, times=100) as top_ups, self._env() as env:
            env["crm.iap.lead.mining.request"]._cron_mine_in_background()
        self.assertEqual(len(top_ups), 3, "three attempts, then it stops")
        self.assertEqual(self._state(stuck), {
            "state": "error", "mined": 0, "leads": 0, "distinct": 0, "held": 0,
            "balance": BALANCE + 3 - 210, "delivered": 210,
        }, "its reservation is given back")
        self.assertEqual(self._state(next_one)["state"], "done", "the request behind it ran in the same run")
        self._assert_owner_told(stuck, "could not serialize")

    @mute_logger("odoo.sql_db", "odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request_background")
    def test_a_lock_timeout_ends_the_request_in_error_at_once_and_the_next_one_runs(self):
        with self._env() as env:
            self._add_directory(env, "Korea", env.ref("base.kr"), 210)
        blocked, next_one = self._queue(210), self._queue(210, country="base.kr")
        # Another transaction (an import, say) holds the Japanese companies,
        # and the database gives up waiting for a lock after 200 ms.
        with self._env() as holder:
            holder.cr.execute("""
                SELECT id FROM crm_iap_lead_directory_company
                 WHERE company_id = %s AND country_id = %s FOR UPDATE
            """, (self.company_id, holder.ref("base.jp").id))
            with self._env() as env:
                env.cr.execute("SET lock_timeout = '200ms'")
                try:
                    env["crm.iap.lead.mining.request"]._cron_mine_in_background()
                finally:
                    env.cr.execute("RESET lock_timeout")
        self.assertEqual(self._state(blocked), {
            "state": "error", "mined": 0, "leads": 0, "distinct": 0, "held": 0,
            "balance": BALANCE - 210, "delivered": 210,
        }, "not retried: its reservation is given back")
        self.assertEqual(self._state(next_one)["state"], "done", "the request behind it ran in the same run")
        self._assert_owner_told(blocked, "lock timeout")

    def _assert_owner_told(self, request_id, reason):
        with self._env() as env:
            request = env["crm.iap.lead.mining.request"].browse(request_id)
            self.assertIn(reason, request.error_message)
            told = request.message_ids.filtered(lambda m: request.requester_id.partner_id in m.partner_ids)
            self.assertEqual(len(told), 1)
            self.assertIn(request.name, str(told.body))
