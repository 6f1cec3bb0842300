from odoo.tests import tagged, users

from .common import BIG, BackgroundCase


@tagged("post_install", "-at_install", "lead_mining")
class TestBackgroundRequests(BackgroundCase):

    @users("user_sales_manager")
    def test_big_request_is_queued_with_a_hold_then_mined_in_batches(self):
        request = self._big_request()
        action = request.action_submit()
        self.assertEqual(action["tag"], "display_notification", "the dialog closes with a notice")
        self.assertEqual(request.state, "queued")
        self.assertFalse(request.lead_ids, "nothing is mined while the user waits")
        self.assertEqual(request.held_credits, BIG)
        self.assertEqual(self._balance(), 1000 - BIG, "the whole estimate is reserved")
        self.assertEqual(request.requester_id, self.env.user)

        self._run_one_batch()
        self.assertEqual((request.state, request.mined_count, len(request.lead_ids)), ("running", 100, 100))
        self.assertEqual(request.held_credits, BIG - 100)
        self.assertEqual(self._balance(), 1000 - BIG, "a batch turns its share of the hold into a debit")

        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(request.state, "done")
        self.assertEqual(len(request.lead_ids), BIG)
        self.assertEqual(len(set(request.lead_ids.mapped("name"))), BIG, "no company twice")
        self.assertEqual(request.held_credits, 0)
        self.assertEqual(self._balance(), 1000 - BIG)
        self.assertEqual(self._ledger(request), {"companies": -BIG, "hold": 0})
        self.assertEqual(request.credits_charged, BIG)
        # The requester is told (inbox + bus), the salesperson gets one summary.
        ends = request.message_ids.filtered(lambda m: self.user_sales_manager.partner_id in m.partner_ids)
        self.assertEqual(len(ends), 1)
        self.assertIn(request.name, str(ends.body))
        summaries = request.message_ids.filtered(lambda m: self.user_sales_salesman.partner_id in m.partner_ids)
        self.assertEqual(len(summaries), 1)
        self.assertIn(str(BIG), str(summaries.body))
        self.env.cr.precommit.run()  # the bus writes its notifications when the transaction commits
        bus = self.env["bus.bus"].sudo().search([("message", "ilike", request.name)])
        self.assertTrue(bus, "a notification reaches the requester's open tabs")

    @users("user_sales_manager")
    def test_a_request_the_balance_cannot_cover_is_refused_at_submit(self):
        self.env["crm.iap.lead.credit.line"].sudo()._record(self.env.company, "directory", [(-900, "adjustment")])
        request = self._big_request()
        request.action_submit()
        self.assertEqual((request.state, request.error_type), ("error", "credits"))
        self.assertIn(str(BIG), request.error_message)
        self.assertEqual(self._balance(), 100, "nothing reserved")
        self.assertFalse(request.lead_ids)

    @users("user_sales_manager")
    def test_cancel_stops_after_the_batch_and_releases_the_rest(self):
        request = self._big_request(search_type="companies")
        request.action_submit()
        self._run_one_batch()
        request.action_cancel()
        self.assertEqual(request.state, "cancel")
        self.assertEqual(request.held_credits, 0)
        self.assertEqual(self._balance(), 1000 - 100, "only the batch done is paid")
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(len(request.lead_ids), 100, "what was done stays, nothing more is mined")

    @users("user_sales_manager")
    def test_a_directory_running_dry_ends_the_request_and_returns_the_rest(self):
        request = self._directory_request(lead_number=400, country_ids=[(6, 0, self.country_jp.ids)])
        request.action_submit()
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(request.state, "done")
        self.assertEqual(len(request.lead_ids), BIG + 30)
        self.assertEqual(self._balance(), 1000 - (BIG + 30))
        self.assertIn(f"{BIG + 30} of 400", request.result_summary)

    @users("user_sales_manager")
    def test_a_failing_batch_ends_in_error_and_can_be_retried(self):
        request = self._big_request()
        request.action_submit()
        self._run_one_batch()
        # The directory loses its companies: the next batch finds nothing new.
        self.big_directory.sudo().active = False
        self._run_one_batch()
        self.assertEqual(request.state, "done", "a dry directory after a batch is an end, not an error")
        self.assertEqual(self._balance(), 1000 - 100)

        retry = self._big_request()
        retry.action_submit()
        self._run_one_batch()
        self.assertEqual((retry.state, retry.error_type), ("error", "no_result"))
        self.assertEqual(self._balance(), 1000 - 100, "the reservation came back")
        self.big_directory.sudo().active = True
        retry.action_submit()
        self.assertEqual(retry.state, "queued", "Retry queues it again")
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(retry.state, "done")
        self.assertEqual(len(retry.lead_ids), BIG + 30 - 100, "every company not mined by the first request")
        self.assertEqual(self._balance(), 1000 - (BIG + 30))
        self.assertFalse(set(retry.lead_ids.mapped("name")) & set(request.lead_ids.mapped("name")))
