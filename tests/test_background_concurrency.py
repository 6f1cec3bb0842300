from contextlib import contextmanager
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..models.crm_iap_lead_mining_request import CrmIapLeadMiningRequest

COMPANIES = 260
BALANCE = 1000


class ServerKilled(BaseException):
    """Stands for the server process dying: nothing in Odoo catches it."""


@tagged("post_install", "-at_install", "lead_mining")
class TestBackgroundCommittedBatches(TransactionCase):
    """The batch runner with real commits, each step in its own cursor as
    separate cron runs (or workers) would have."""

    def setUp(self):
        super().setUp()
        with self._env() as env:
            company = env["res.company"].create({"name": f"Background Co {self._testMethodName}", "country_id": env.ref("base.jp").id})
            env["crm.iap.lead.directory.company"].create([{
                "name": f"Batch {n:03d}", "domain": f"batch{n:03d}.example",
                "country_id": env.ref("base.jp").id, "company_id": company.id,
            } for n in range(COMPANIES)])
            env["crm.iap.lead.credit.line"]._record(company, "directory", [(BALANCE, "topup")])
            self.previous_batch_size = env["ir.config_parameter"].get_param("crm_iap_mine.background_batch_size")
            env["ir.config_parameter"].set_param("crm_iap_mine.background_batch_size", 100)
            self.company_id = company.id
        self.addCleanup(self._drop_committed_data)

    @contextmanager
    def _env(self):
        """An environment on a new cursor: committed on exit, rolled back
        (never committed) when an exception goes through."""
        context = {"allowed_company_ids": [self.company_id]} if hasattr(self, "company_id") else {}
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, context)

    def _drop_committed_data(self):
        with self._env() as env:
            env["ir.config_parameter"].set_param("crm_iap_mine.background_batch_size", self.previous_batch_size or False)
            company = env["res.company"].browse(self.company_id)
            env["crm.lead"].with_context(active_test=False).search([("company_id", "=", company.id)]).unlink()
            env["crm.iap.lead.credit.line"].search([("company_id", "=", company.id)]).unlink()
            env["crm.iap.lead.mining.request"].search([("company_id", "=", company.id)]).unlink()
            env["crm.iap.lead.directory.company"].with_context(active_test=False).search(
                [("company_id", "=", company.id)]).unlink()
            env.cr.execute("DELETE FROM crm_iap_lead_credit_balance WHERE company_id = %s", (company.id,))

    def _queue(self, lead_number):
        with self._env() as env:
            request = env["crm.iap.lead.mining.request"].create({
                "provider": "directory", "company_id": self.company_id, "lead_number": lead_number,
                "country_ids": [(6, 0, env.ref("base.jp").ids)], "user_id": False, "team_id": False,
            })
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
