"""Match every company partner and every lead with the directory, in the
background: chunks of records in id order, each committed with where the
run stands, so that a killed worker loses one chunk at most and the next
cron run goes on from there."""
import logging
import time

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..const import MATCHING_STATE_TRANSITIONS

_logger = logging.getLogger(__name__)

CHUNK_SIZE = 10000
# The kinds of records matched, in order: (kind, table, condition).
MATCHED = (("partner", "res_partner", "is_company AND active"), ("lead", "crm_lead", "active"))


class CrmIapLeadDirectoryMatching(models.Model):
    _name = "crm.iap.lead.directory.matching"
    _inherit = ["crm.iap.lead.state.mixin"]
    _description = "Directory Matching Run"
    _order = "id desc"
    _state_transitions = MATCHING_STATE_TRANSITIONS

    state = fields.Selection(
        [("queued", "Running"), ("done", "Done"), ("cancel", "Cancelled")],
        required=True, default="queued", readonly=True,
    )
    user_id = fields.Many2one("res.users", string="Started By", readonly=True, default=lambda self: self.env.user)
    # Where the run stands: the last record matched of each kind.
    last_partner_id = fields.Integer(readonly=True)
    last_lead_id = fields.Integer(readonly=True)
    partner_count = fields.Integer(string="Partners Matched", readonly=True)
    lead_count = fields.Integer(string="Leads Matched", readonly=True)
    total_count = fields.Integer(string="Records to Match", readonly=True)
    linked_count = fields.Integer(string="Linked", readonly=True)
    suggested_count = fields.Integer(string="Suggestions", readonly=True)
    failed_count = fields.Integer(
        string="Not Matched (Error)", readonly=True,
        help="Records whose matching failed (see the server log): passed over, so that the others are matched.",
    )
    progress = fields.Float(compute="_compute_progress")
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    date_done = fields.Datetime(string="Finished On", readonly=True)

    @api.depends("partner_count", "lead_count", "total_count", "state")
    def _compute_progress(self):
        for run in self:
            done = run.partner_count + run.lead_count
            run.progress = 100.0 if run.state == "done" else 100.0 * done / run.total_count if run.total_count else 0.0

    @api.depends("create_date")
    def _compute_display_name(self):
        for run in self:
            run.display_name = _("Matching of %(date)s", date=fields.Datetime.to_string(run.create_date or fields.Datetime.now()))

    def _state_refusal(self, target_state):
        return _("This matching run is %(state)s: it cannot become %(target)s.",
                 state=self._state_label(self.state), target=self._state_label(target_state))

    @api.model
    def _check_manager(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(_("Only sales administrators can match the whole CRM with the directory."))

    @api.model
    def action_match_all(self):
        """Queue a run over every company partner and lead (one at a time)."""
        self._check_manager()
        run = self.sudo().search([("state", "=", "queued")], limit=1)
        if not run:
            self.env.flush_all()
            total = 0
            for _kind, table, condition in MATCHED:
                self.env.cr.execute(f"SELECT count(*) FROM {table} WHERE {condition}")  # pylint: disable=sql-injection  # module constants only
                total += self.env.cr.fetchone()[0]
            run = self.sudo().create({"total_count": total})
        self.env.ref("crm_iap_mine.ir_cron_match_directory")._trigger()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": run.id,
            "views": [[False, "form"]],
        }

    def action_cancel(self):
        # Read-only for sales managers (its state and counts are the job's):
        # the cancel is theirs all the same.
        self._check_manager()
        self.sudo()._update_state("cancel")

    @api.model
    def _cron_match_directory(self, autocommit=True, chunk_size=CHUNK_SIZE):
        """Go on with the queued runs, a committed chunk at a time, until
        the time budget of a cron run is spent; then trigger the job again."""
        budget = self.env["crm.iap.lead.register.import"]._cron_time_budget()
        deadline = time.monotonic() + budget if budget else None
        for run in self.search([("state", "=", "queued")], order="id"):
            while run.state == "queued":
                if deadline and time.monotonic() >= deadline:
                    self.env.ref("crm_iap_mine.ir_cron_match_directory")._trigger()
                    return
                run._match_chunk(chunk_size)
                if autocommit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit  # a chunk is final once done

    def _match_chunk(self, chunk_size):
        """Match the next chunk of records; done when none is left."""
        self.ensure_one()
        started = time.monotonic()
        Link = self.env["crm.iap.lead.directory.link"].sudo()
        self.env.flush_all()
        for kind, table, condition in MATCHED:
            cursor = f"last_{kind}_id"
            self.env.cr.execute(f"SELECT id FROM {table} WHERE {condition} AND id > %s ORDER BY id LIMIT %s",
                                [self[cursor], chunk_size])
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                continue
            counts = self._match_or_pass_over(Link, kind, ids)
            self.sudo().write({
                "failed_count": self.failed_count + counts["failed"],
                cursor: ids[-1],
                f"{kind}_count": self[f"{kind}_count"] + len(ids),
                "linked_count": self.linked_count + counts["linked"],
                "suggested_count": self.suggested_count + counts["suggested"],
                "duration": self.duration + time.monotonic() - started,
            })
            return
        self.sudo()._update_state("done", {
            "date_done": fields.Datetime.now(), "duration": self.duration + time.monotonic() - started,
        })

    def _match_or_pass_over(self, Link, kind, ids):
        """Match `ids`; when that fails, match each half again, down to the
        single records that fail, passed over and counted (`failed`): a
        record whose matching always fails must not stop the run at its
        chunk, retried by every cron run for ever."""
        try:
            with self.env.cr.savepoint():
                return dict(Link._match(kind, ids), failed=0)
        except psycopg2.OperationalError:
            raise   # a lock or a serialisation failure: the cron run is retried whole
        except Exception:  # noqa: BLE001 - narrowed down below, logged
            if len(ids) == 1:
                _logger.exception("Matching with the directory: %s %s failed, passed over", kind, ids[0])
                return {"linked": 0, "suggested": 0, "failed": 1}
        half = len(ids) // 2
        first, second = (self._match_or_pass_over(Link, kind, part) for part in (ids[:half], ids[half:]))
        return {key: first[key] + second[key] for key in first}
