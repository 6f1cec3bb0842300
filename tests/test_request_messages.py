from odoo.tests import tagged, users
from odoo.tools import mute_logger

from .common import BIG, RecurringCase


@tagged("post_install", "-at_install", "lead_mining")
class TestMessagesWithoutSenderEmail(RecurringCase):
    """A sales manager without an e-mail address goes through every flow:
    the module's own notes are logged, the notices it sends come from the
    system, and nothing asks for a sender address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_sales_manager.partner_id.email = False
        cls.odoobot = cls.env.ref("base.partner_root")

    def _notices_to(self, request, user):
        notices = request.message_ids.filtered(lambda message: user.partner_id in message.partner_ids)
        for notice in notices:
            self.assertEqual(notice.author_id, self.odoobot, "sent by the system, not by the user")
        return notices

    def _notes_saying(self, request, text):
        return request.message_ids.filtered(lambda message: text in str(message.body))

    @users("user_sales_manager")
    def test_the_salesperson_summary(self):
        request = self._new_request(lead_number=3)
        request.action_submit()
        self.assertEqual(request.state, "done")
        self.assertEqual(len(self._notices_to(request, self.user_sales_salesman)), 1)

    @users("user_sales_manager")
    def test_a_background_request_queue_note_and_done_notices(self):
        request = self._big_request()
        request.action_submit()
        self.assertEqual(request.state, "queued")
        self.assertTrue(self._notes_saying(request, "Queued"))
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual((request.state, len(request.lead_ids)), ("done", BIG))
        self.assertEqual(len(self._notices_to(request, self.user_sales_manager)), 1, "the requester is told")
        self.assertEqual(len(self._notices_to(request, self.user_sales_salesman)), 1, "the salesperson summary")

    @users("user_sales_manager")
    def test_a_background_error_notice_and_the_cancel_note(self):
        self.big_directory.sudo().active = False
        failed = self._big_request()
        failed.action_submit()
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(failed.state, "error")
        self.assertIn("stopped", str(self._notices_to(failed, self.user_sales_manager).body))
        cancelled = self._big_request()
        cancelled.action_submit()
        cancelled.action_cancel()
        self.assertTrue(self._notes_saying(cancelled, "Cancelled"))

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request_recurring")
    def test_recurring_notes_and_pause_notices(self):
        schedule = self._schedule(monthly_credit_cap=5)
        self.assertTrue(self._notes_saying(schedule, "Recurring request started"))
        self.assertEqual(len(self._run_due(schedule).lead_ids), 5)
        self._run_due(schedule)
        self.assertTrue(self._notes_saying(schedule, "monthly cap"), "the skipped run is noted")

        schedule.sudo().monthly_credit_cap = 0
        ledger = self.env["crm.iap.lead.credit.line"].sudo()
        ledger._record(self.env.company, "directory", [(3 - self._balance(), "adjustment")])
        self._run_due(schedule)
        self.assertEqual(schedule.state, "paused")
        self.assertIn("lack of credits", str(self._notices_to(schedule, self.user_sales_manager).body))

        schedule.action_resume()
        self.user_sales_manager.sudo().groups_id = [(3, self.env.ref("sales_team.group_sale_manager").id)]
        self._run_due(schedule)
        self.assertEqual(schedule.state, "paused")
        self.assertEqual(len(self._notices_to(schedule, self.user_sales_manager)), 2)
        self.assertTrue(self._notes_saying(schedule, "its last run failed"))
