from odoo.exceptions import UserError
from odoo.tests import tagged, users

from ..const import IMPORT_STATE_TRANSITIONS, REQUEST_STATE_TRANSITIONS
from .common import BIG, BackgroundCase


@tagged("post_install", "-at_install", "lead_mining")
class TestRequestStateMachine(BackgroundCase):
    """Every action checks where the request stands: a stale tab, a second
    click or an RPC call cannot charge twice or strand a reservation."""

    @users("user_sales_manager")
    def test_submitting_a_done_request_never_calls_the_paid_service_again(self):
        request = self._new_request(lead_number=3)
        request.action_submit()
        self.assertEqual(request.state, "done")
        with self.assertRaisesRegex(UserError, "cannot be started: its status is “Done”"):
            request.action_submit()
        self.assertEqual(len(self._mining_calls()), 1, "one paid call, not two")
        self.assertEqual(self.lead_mining_server.balance, 997)
        self.assertEqual(len(request.lead_ids), 3)

    @users("user_sales_manager")
    def test_submitting_a_queued_or_running_request_never_reserves_twice(self):
        request = self._big_request()
        request.action_submit()
        self.assertEqual((request.state, request.held_credits, self._balance()), ("queued", BIG, 1000 - BIG))
        with self.assertRaisesRegex(UserError, "cannot be started"):
            request.action_submit()
        self._run_one_batch()
        self.assertEqual(request.state, "running")
        with self.assertRaisesRegex(UserError, "cannot be started: its status is “Running”"):
            request.action_submit()
        self.assertEqual((request.held_credits, self._balance()), (BIG - 100, 1000 - BIG), "one reservation")
        self.assertEqual(self._ledger(request), {"hold": -(BIG - 100), "companies": -100})

    @users("user_sales_manager")
    def test_reset_and_cancel_refuse_where_they_do_not_apply(self):
        request = self._big_request()
        with self.assertRaisesRegex(UserError, "cannot be cancelled: its status is “Draft”"):
            request.action_cancel()
        request.action_submit()
        with self.assertRaisesRegex(UserError, "cannot be reset to draft: its status is “Queued”"):
            request.action_draft()
        self.assertEqual((request.state, request.held_credits, self._balance()), ("queued", BIG, 1000 - BIG))
        request.action_cancel()
        self.assertEqual((request.state, request.held_credits, self._balance()), ("cancel", 0, 1000))
        with self.assertRaisesRegex(UserError, "cannot be cancelled: its status is “Cancelled”"):
            request.action_cancel()
        request.action_draft()
        self.assertEqual(request.state, "draft")
        done = self._new_request()
        done.action_submit()
        with self.assertRaisesRegex(UserError, "cannot be reset to draft: its status is “Done”"):
            done.action_draft()

    @users("user_sales_manager")
    def test_queued_running_and_recurring_requests_cannot_be_deleted(self):
        queued = self._big_request()
        queued.action_submit()
        with self.assertRaisesRegex(UserError, "cannot be deleted while its status is “Queued”"):
            queued.unlink()
        self._run_one_batch()
        with self.assertRaisesRegex(UserError, "cannot be deleted while its status is “Running”"):
            queued.unlink()
        schedule = self._directory_request(is_recurring=True, lead_number=5, country_ids=[(6, 0, self.country_jp.ids)])
        schedule.action_submit()
        with self.assertRaisesRegex(UserError, "cannot be deleted while its status is “Recurring”"):
            schedule.unlink()
        queued.action_cancel()
        schedule.action_cancel()
        (queued | schedule | self._new_request()).unlink()
        self.assertEqual(self._balance(), 1000 - 100, "only the batch done is paid")

    @users("user_sales_manager")
    def test_deleting_a_request_gives_back_what_it_still_holds(self):
        # Before the state checks, resetting a queued request to draft kept
        # its reservation: such requests exist in databases.
        request = self._big_request()
        self.env["crm.iap.lead.credit.line"].sudo()._record(self.env.company, "directory", [(-BIG, "hold")],
                                                            request=request)
        request.sudo().held_credits = BIG
        self.assertEqual(self._balance(), 1000 - BIG)
        request.unlink()
        self.assertEqual(self._balance(), 1000)

    @users("user_sales_manager")
    def test_every_way_out_settles_the_reservation(self):
        done = self._big_request()
        done.action_submit()
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        failed = self._directory_request(lead_number=210, country_ids=[(6, 0, self.country_it.ids)])
        failed.action_submit()
        self.directory.sudo().active = False  # nothing left to mine in Italy: the batch fails
        self._run_one_batch()
        cancelled = self._big_request()
        cancelled.action_submit()
        cancelled.action_cancel()
        self.assertEqual([(r.state, r.held_credits) for r in (done, failed, cancelled)],
                         [("done", 0), ("error", 0), ("cancel", 0)])
        self.assertEqual(self._balance(), 1000 - BIG, "only what was delivered is paid")


@tagged("post_install", "-at_install", "lead_mining")
class TestStateTables(BackgroundCase):
    """Every move of a request or a register import is declared once, in
    const.py, and `_update_state` refuses the others."""

    def _check_every_move(self, record, table):
        states = [state for state, _label in record._fields["state"].selection]
        self.assertLessEqual(set(table), set(states))
        self.assertLessEqual({source for sources in table.values() for source in sources}, set(states))
        for source in states:
            for target in table:
                record.sudo().write({"state": source})
                if source in table[target]:
                    record._update_state(target)
                    self.assertEqual(record.state, target)
                else:
                    with self.assertRaises(UserError, msg=f"{source} -> {target}"):
                        record._update_state(target)
                    self.assertEqual(record.state, source)

    def test_requests_move_only_as_the_table_says(self):
        self._check_every_move(self._new_request(lead_number=3), REQUEST_STATE_TRANSITIONS)

    def test_register_imports_move_only_as_the_table_says(self):
        run = self.env["crm.iap.lead.register.import"].create({"register_code": "gb_companies_house"})
        self._check_every_move(run, IMPORT_STATE_TRANSITIONS)
