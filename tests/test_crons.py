from odoo.tests import TransactionCase, tagged
from odoo.tools.convert import convert_file

from .common import BIG, BackgroundCase

CRONS = ("ir_cron_mine_in_background", "ir_cron_run_recurring_requests", "ir_cron_archive_untouched_leads")


@tagged("post_install", "-at_install")
class TestCronUpgrade(TransactionCase):

    def test_an_upgrade_keeps_what_an_administrator_changed(self):
        crons = self.env["ir.cron"].browse([self.env.ref(f"crm_iap_mine.{xmlid}").id for xmlid in CRONS])
        crons.write({"active": False, "interval_number": 7})
        # Databases installed before the crons were noupdate have the flag
        # off on their external ids: it must not matter.
        self.env["ir.model.data"].search([("module", "=", "crm_iap_mine"), ("name", "in", CRONS)]).noupdate = False
        convert_file(self.env, "crm_iap_mine", "data/ir_cron_data.xml", {}, mode="update")
        crons.invalidate_recordset()
        self.assertEqual(set(crons.mapped("active")), {False})
        self.assertEqual(set(crons.mapped("interval_number")), {7})


@tagged("post_install", "-at_install", "lead_mining")
class TestInactiveBackgroundCron(BackgroundCase):

    def test_the_form_says_queued_work_will_not_run(self):
        cron = self.env.ref("crm_iap_mine.ir_cron_mine_in_background")
        big, small = self._big_request(), self._directory_request(lead_number=5)
        self.assertEqual((big.background_cron_inactive, small.background_cron_inactive), (False, False))
        cron.active = False
        (big | small).invalidate_recordset(["background_cron_inactive"])
        self.assertEqual((big.background_cron_inactive, small.background_cron_inactive), (True, False),
                         "only a request that would wait for it is concerned")
        big.action_submit()
        self.assertEqual((big.state, big.held_credits), ("queued", BIG))
        self.assertTrue(big.background_cron_inactive)
        form = " ".join(self.env.ref("crm_iap_mine.crm_iap_lead_mining_request_view_form").arch.split())
        self.assertIn("queued requests will not run until an administrator activates it", form)
