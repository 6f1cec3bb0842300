"""Recurring requests: a saved request that creates and runs a new request
every day, week or month, within an optional monthly credit cap."""
import logging

import psycopg2
from dateutil.relativedelta import relativedelta
from odoo import _, api, fields, models
from odoo.tools import format_datetime, formatLang


_logger = logging.getLogger(__name__)

INTERVALS = {
    "daily": relativedelta(days=1),
    "weekly": relativedelta(weeks=1),
    "monthly": relativedelta(months=1),
}


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    is_recurring = fields.Boolean(
        string="Repeat", copy=False,
        help="Run this request again and again: each run brings companies the CRM does not know yet.",
    )
    recurrence_interval = fields.Selection(
        [("daily", "Every day"), ("weekly", "Every week"), ("monthly", "Every month")],
        string="Frequency", default="weekly",
    )
    monthly_credit_cap = fields.Integer(
        help="Most credits the runs of this request may spend in a calendar month (0: no cap). "
        "A run that would go over it asks for fewer companies, or is skipped.",
    )
    next_run_date = fields.Datetime(string="Next Run", readonly=True, copy=False)
    parent_id = fields.Many2one(
        "crm.iap.lead.mining.request", string="Recurring Request", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null",
    )
    run_ids = fields.One2many("crm.iap.lead.mining.request", "parent_id", string="Runs")
    run_count = fields.Integer(string="Number of Runs", compute="_compute_run_count")
    credits_spent_this_month = fields.Integer(compute="_compute_credits_spent_this_month")

    @api.depends("run_ids")
    def _compute_run_count(self):
        counts = dict(self._read_group([("parent_id", "in", self.ids)], ["parent_id"], ["__count"]))
        for request in self:
            request.run_count = counts.get(request._origin, 0)

    def _compute_credits_spent_this_month(self):
        month_start = fields.Datetime.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        runs = self.sudo().search([("parent_id", "in", self.ids)])
        spent = dict(self.env["crm.iap.lead.credit.line"].sudo()._read_group(
            [("request_id", "in", runs.ids), ("date", ">=", month_start)], ["request_id"], ["credits_spent:sum"],
        ))
        totals = dict.fromkeys(self.ids, 0)
        for run in runs:
            # What a running run has reserved counts too: it is about to be spent.
            totals[run.parent_id.id] += spent.get(run, 0) + run.held_credits
        for request in self:
            request.credits_spent_this_month = totals.get(request._origin.id, 0)

    # ------------------------------------------------------------------
    # Starting, pausing
    # ------------------------------------------------------------------

    def _submit(self):
        if not self.is_recurring or self.parent_id:
            return super()._submit()
        self._set_recurring({
            "requester_id": self.env.user.id,
            "next_run_date": fields.Datetime.now(), "error_type": False, "error_message": False,
        })
        self._message_log(body=_("Recurring request started: the first run starts now."))
        self.env.ref("crm_iap_mine.ir_cron_run_recurring_requests")._trigger()
        return self._action_close_with_notice(
            _("Request %(name)s scheduled", name=self.name),
            _("The first run starts now; each run appears in the list of requests."),
        )

    def action_pause(self):
        self._set_paused()

    def action_resume(self):
        for request in self:
            request._set_recurring({
                "next_run_date": max(request.next_run_date or fields.Datetime.now(), fields.Datetime.now()),
            })
        self.env.ref("crm_iap_mine.ir_cron_run_recurring_requests")._trigger()

    def action_cancel(self):
        """Stopping a recurring request ends the schedule; its runs stay."""
        schedules = self.filtered(lambda r: r.is_recurring and not r.parent_id)
        schedules._set_cancel({"next_run_date": False})
        return super(CrmIapLeadMiningRequest, self - schedules).action_cancel()

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("crm_iap_mine.crm_iap_lead_mining_request_action")
        action.update(domain=[("parent_id", "=", self.id)], context={"create": False})
        return action

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------

    @api.model
    def _cron_run_recurring_requests(self, autocommit=True):
        """Run each due schedule in isolation: one that fails is paused and
        its owner told why; the others run."""
        due = self.search([("state", "=", "recurring"), ("next_run_date", "<=", fields.Datetime.now())])
        for schedule in due:
            requester = schedule.requester_id or schedule.create_uid
            try:
                with self.env.cr.savepoint():
                    schedule.with_user(requester).with_company(schedule.company_id)._run_once()
            except psycopg2.OperationalError as error:
                # Rolled back by the database (e.g. a concurrent update): the
                # run is gone, the schedule still due; the next pass runs it
                # again, with the answer this one paid for (crm.iap.lead.mining.answer).
                _logger.info("Recurring lead mining request %s rolled back, run again later: %s", schedule.name, error)
            except Exception as error:  # noqa: BLE001 - one broken schedule must not block the others
                _logger.warning("Recurring lead mining request %s failed and is paused: %s", schedule.name, error)
                schedule._set_paused()
                schedule._notify_owner("warning", _(
                    "Recurring request %(name)s is paused: its last run failed (%(error)s). "
                    "Correct the request or its owner's access, then resume it.",
                    name=schedule.name, error=error,
                ))
            if autocommit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # one run per transaction

    def _run_once(self):
        """Create this period's request and submit it; plan the next one."""
        self.ensure_one()
        now = fields.Datetime.now()
        next_run = self.next_run_date or now
        while next_run <= now:
            next_run += INTERVALS[self.recurrence_interval or "weekly"]
        self.next_run_date = next_run
        lead_number = self._lead_number_within_cap()
        if not lead_number:
            self._message_log(body=_(
                "Run skipped: the monthly cap of %(cap)s credits is reached. Next run: %(date)s.",
                cap=formatLang(self.env, self.monthly_credit_cap, digits=0), date=format_datetime(self.env, next_run),
            ))
            return self.browse()
        run = self.copy({
            "parent_id": self.id, "lead_number": lead_number, "team_id": self.team_id.id,
        })
        run.sudo().requester_id = self.requester_id
        run.action_submit()
        if run.state == "error" and run.error_type == "credits":
            self._set_paused()
            self._notify_owner("warning", _(
                "Recurring request %(name)s is paused: %(run)s could not run for lack of credits. "
                "Add credits, then resume it.",
                name=self.name, run=run.name,
            ))
        return run

    def _lead_number_within_cap(self):
        """This run's number of companies, lowered to fit the monthly cap."""
        if not self.monthly_credit_cap:
            return self.lead_number
        self.invalidate_recordset(["credits_spent_this_month"])
        left = self.monthly_credit_cap - self.credits_spent_this_month
        per_company = self._credits_per_company()
        if not per_company:
            return self.lead_number  # free companies never reach a cap
        return max(min(self.lead_number, left // per_company), 0)
