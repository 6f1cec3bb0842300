from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged, users
from odoo.tools import mute_logger

from .common import RecurringCase, load_migration


@tagged("post_install", "-at_install", "lead_mining")
class TestRecurringRequests(RecurringCase):

    @users("user_sales_manager")
    def test_each_run_brings_new_companies_and_plans_the_next(self):
        schedule = self._schedule()
        self.assertEqual(schedule.state, "recurring")
        self.assertFalse(schedule.lead_ids, "the schedule itself mines nothing")
        first = self._run_due(schedule)
        self.assertEqual((first.state, len(first.lead_ids)), ("done", 5))
        self.assertEqual(first.parent_id, schedule)
        self.assertEqual(first.requester_id, self.user_sales_manager)
        self.assertEqual(first.team_id, schedule.team_id)
        self.assertAlmostEqual(schedule.next_run_date, fields.Datetime.now() + timedelta(weeks=1),
                               delta=timedelta(minutes=5))
        second = self._run_due(schedule)
        self.assertEqual(len(second.lead_ids), 5)
        self.assertFalse(set(first.lead_ids.mapped("name")) & set(second.lead_ids.mapped("name")),
                         "dedupe: each run brings companies the CRM does not know yet")
        self.assertEqual(schedule.run_count, 2)
        # Not due: nothing runs.
        self.env["crm.iap.lead.mining.request"].sudo()._cron_run_recurring_requests(autocommit=False)
        self.assertEqual(schedule.run_count, 2)

    @users("user_sales_manager")
    def test_the_monthly_cap_lowers_then_skips_runs(self):
        schedule = self._schedule(monthly_credit_cap=12)
        sizes = [len(self._run_due(schedule).lead_ids) for _run in range(3)]
        self.assertEqual(sizes, [5, 5, 2], "the third run asks only for what the cap leaves")
        self.assertEqual(schedule.credits_spent_this_month, 12)
        self._run_due(schedule)
        self.assertEqual(schedule.run_count, 3, "a fourth run would go over the cap: skipped")
        self.assertIn("monthly cap", schedule.message_ids[0].body)

    @users("user_sales_manager")
    def test_pause_and_resume(self):
        schedule = self._schedule()
        schedule.action_pause()
        self.assertEqual(schedule.state, "paused")
        self._run_due(schedule)
        self.assertEqual(schedule.run_count, 0, "a paused schedule does not run")
        schedule.action_resume()
        self.assertEqual(schedule.state, "recurring")
        self._run_due(schedule)
        self.assertEqual(schedule.run_count, 1)
        schedule.action_cancel()
        self.assertEqual(schedule.state, "cancel")
        self._run_due(schedule)
        self.assertEqual(schedule.run_count, 1)

    @users("user_sales_manager")
    def test_running_out_of_credits_pauses_it_and_tells_the_owner(self):
        ledger = self.env["crm.iap.lead.credit.line"].sudo()
        ledger._record(self.env.company, "directory", [(3 - self._balance(), "adjustment")])
        schedule = self._schedule()
        run = self._run_due(schedule)
        self.assertEqual((run.state, run.error_type), ("error", "credits"))
        self.assertFalse(run.lead_ids)
        self.assertEqual(schedule.state, "paused")
        told = schedule.message_ids.filtered(lambda m: self.user_sales_manager.partner_id in m.partner_ids)
        self.assertEqual(len(told), 1)
        self.assertIn("credits", str(told.body))
        self.assertEqual(self._balance(), 3, "nothing charged")

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request_recurring")
    def test_a_failing_schedule_is_paused_and_the_others_still_run(self):
        # Due schedules run newest first: the healthy one runs after the others.
        healthy = self._schedule()
        role = self.env["crm.iap.lead.role"].sudo().create({"name": "Chief Dreamer", "reveal_id": "dreamer"})
        lost_role = self._schedule(search_type="people", contact_number=1, preferred_role_id=role.id)
        demoted = new_test_user(self.env(su=True), login="demoted_manager", groups="sales_team.group_sale_manager")
        demoted.lead_mining_gdpr_ack_date = "2026-01-01"
        lost_group = self._schedule()
        lost_group.sudo().requester_id = demoted
        role.unlink()  # the schedule's preferred role is gone
        demoted.groups_id = [(3, self.env.ref("sales_team.group_sale_manager").id)]  # the owner is a salesman now

        (lost_role | lost_group | healthy).sudo().next_run_date = fields.Datetime.now() - timedelta(minutes=1)
        self.env["crm.iap.lead.mining.request"].sudo()._cron_run_recurring_requests(autocommit=False)

        self.assertEqual((healthy.state, healthy.run_count), ("recurring", 1), "the healthy schedule ran")
        self.assertEqual(len(healthy.run_ids.lead_ids), 5)
        for schedule, owner, reason in ((lost_role, self.user_sales_manager, "preferred role"),
                                        (lost_group, demoted, "not allowed")):
            self.assertEqual((schedule.state, schedule.run_count), ("paused", 0))
            told = schedule.message_ids.filtered(lambda m, o=owner: o.partner_id in m.partner_ids)
            self.assertEqual(len(told), 1, "its owner is told why")
            self.assertIn("is paused: its last run failed", str(told.body))
            self.assertIn(reason, str(told.body))


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterCompaniesOnce(RecurringCase):
    """Issue 22, point 4: register companies (no website, no e-mail) are
    known by the leads mined from them and by their number, so a schedule
    that exhausts its filter never delivers (nor charges) one twice."""

    @users("user_sales_manager")
    def test_a_schedule_exhausting_its_filter_delivers_each_company_once(self):
        uk = self.env.ref("base.uk")
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_iap_mine.register_credits_per_company.gb_companies_house", "1")
        companies = self.env["crm.iap.lead.directory.company"].sudo().create([{
            "name": f"Register Co {n}", "country_id": uk.id,
            "register_code": "gb_companies_house", "register_number": f"0900000{n}",
        } for n in range(1, 8)])
        # A lost lead of no company holds the 7th one's number, as typed by
        # hand (no leading zero): known, never delivered.
        self.env["crm.lead"].sudo().create({
            "name": "Typed by hand", "company_registry": "9000 007", "country_id": uk.id,
            "company_id": False, "active": False, "probability": 0,
        })
        balance = self._balance()
        schedule = self._schedule(country_ids=[(6, 0, uk.ids)])

        first = self._run_due(schedule)
        self.assertEqual((first.state, len(first.lead_ids)), ("done", 5), first.error_message)
        by_lead = {lead.company_registry: lead.reveal_id for lead in first.lead_ids}
        number_to_id = {company.register_number: company.id for company in companies}
        self.assertEqual(by_lead, {number: f"directory-{number_to_id[number]}" for number in by_lead},
                         "each lead holds its company's register number")
        first_names = first.lead_ids.mapped("name")
        first.lead_ids.action_set_lost()  # lost and archived: still known

        second = self._run_due(schedule)
        self.assertEqual(second.state, "done", second.error_message)
        self.assertEqual(second.lead_ids.mapped("name"), [name for name in companies.mapped("name")
                                                          if name not in first_names
                                                          and name != "Register Co 7"],
                         "only the one company never delivered nor known")

        third = self._run_due(schedule)
        self.assertEqual((third.state, third.error_type), ("error", "no_result"))
        self.assertIn("did not return any new company", third.error_message)
        self.assertFalse(third.lead_ids)
        self.assertEqual(balance - self._balance(), 6, "each company charged once")
        self.assertEqual(sorted(companies.mapped("delivery_count")), [0, 1, 1, 1, 1, 1, 1])

    def test_leads_mined_before_get_their_register_number_on_upgrade(self):
        uk = self.env.ref("base.uk")
        company = self.env["crm.iap.lead.directory.company"].create({
            "name": "Register Co", "country_id": uk.id,
            "register_code": "gb_companies_house", "register_number": "09000001",
        })
        own = self.env["crm.iap.lead.directory.company"].create({"name": "Own Co", "country_id": uk.id})
        leads = self.env["crm.lead"].create([{"name": "Mined before", "reveal_id": f"directory-{company.id}"},
                                             {"name": "Own before", "reveal_id": f"directory-{own.id}"}])
        self.env.flush_all()
        load_migration("17.0.4.0.0", "post-lead-company-registry").migrate(self.env.cr, "17.0.3.0.0")
        leads.invalidate_recordset(["company_registry"])
        self.assertEqual(leads.mapped("company_registry"), ["09000001", False])
