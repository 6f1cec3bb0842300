"""Big requests: queued at submit, then mined in batches by a cron job.

Each batch is one transaction (pick, debit, create leads, progress) and is
committed before the next one starts, so a crash loses at most the batch
in flight and the next run resumes after the last committed one.
"""
import logging
import time

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.tools import formatLang

from ..tools.lead_mining_client import LeadMiningError
from ..const import SUBMITTABLE_STATES

_logger = logging.getLogger(__name__)

# Requests for more leads than this run in the background (when the provider can).
BACKGROUND_THRESHOLD = 200
DEFAULT_BATCH_SIZE = 200
# A cron run stops taking new batches after this long and re-triggers itself,
# so a worker's time limit never cuts a run that has more to do.
CRON_TIME_BUDGET = 60
# Failures that a new transaction may not meet again: the batch is retried,
# at most this many times in a row, before the request goes to *Error*.
TRANSIENT_DB_ERRORS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
MAX_BATCH_ATTEMPTS = 3


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    requester_id = fields.Many2one(
        "res.users", string="Requested by", readonly=True, copy=False,
        help="Who submitted the request: the background work runs with their rights and reports to them.",
    )
    held_credits = fields.Integer(
        string="Reserved Credits", readonly=True, copy=False,
        help="Credits reserved for the part of a background request not mined yet; released when it ends.",
    )
    failed_batch_attempts = fields.Integer(
        readonly=True, copy=False,
        help="Times in a row the next batch failed on a transient database conflict; "
        "the request goes to Error when it reaches the limit.",
    )
    runs_in_background = fields.Boolean(
        compute="_compute_runs_in_background",
        help="Big requests are mined in batches in the background; the requester is notified at the end.",
    )
    background_cron_inactive = fields.Boolean(compute="_compute_background_cron_inactive")

    @api.depends("state", "lead_number", "provider")
    def _compute_background_cron_inactive(self):
        """Whether this request's background work cannot run: the cron job is
        inactive (or deleted)."""
        cron = self.env.ref("crm_iap_mine.ir_cron_mine_in_background", raise_if_not_found=False)
        cron_active = bool(cron and cron.sudo().active)
        for request in self:
            waits = request.state in ("queued", "running") or (
                request.state in SUBMITTABLE_STATES and request._runs_in_background())
            request.background_cron_inactive = waits and not cron_active

    # ------------------------------------------------------------------
    # Submitting
    # ------------------------------------------------------------------

    @api.depends("provider", "lead_number")
    def _compute_runs_in_background(self):
        for request in self:
            request.runs_in_background = request._runs_in_background()

    def _runs_in_background(self):
        return self._supports_background() and self.lead_number > BACKGROUND_THRESHOLD

    def _submit(self):
        if not self._runs_in_background():
            return super()._submit()
        if not self._queue():
            return self._action_show_error()
        return self._action_close_with_notice(
            _("Request %(name)s queued", name=self.name),
            _(
                "%(count)s leads will be created in the background. You will be notified when they are ready; "
                "the progress is on the request (CRM > Configuration > Lead Generation > Lead Mining Requests).",
                count=formatLang(self.env, self.lead_number - self.mined_count, digits=0),
            ),
        )

    def _queue(self):
        """Reserve the cost of what is left to mine and queue the request.

        Retrying a failed background request queues what it has not mined yet.
        """
        self.ensure_one()
        remaining = self.lead_number - self.mined_count
        cost = remaining * self._credits_per_company()
        self._set_queued({
            "requester_id": self.env.user.id, "error_type": False, "error_message": False,
            "failed_batch_attempts": 0,
        })
        try:
            self.env["crm.iap.lead.credit.line"]._record(
                self.company_id, self.provider, [(-cost, "hold")], request=self,
            )
        except LeadMiningError as error:
            self._set_error(error.error_type, self._describe_error(error))
            return False
        self.sudo().held_credits = cost
        self._message_log(body=_(
            "Queued: %(count)s leads will be created in the background; %(credits)s credits are reserved "
            "and what is not used is given back.",
            count=formatLang(self.env, remaining, digits=0), credits=formatLang(self.env, cost, digits=0),
        ))
        self.env.ref("crm_iap_mine.ir_cron_mine_in_background")._trigger()
        return True

    def _next_batch_size(self):
        size = super()._next_batch_size()
        if not self._runs_in_background():
            return size
        batch = int(self.env["ir.config_parameter"].sudo().get_param(
            "crm_iap_mine.background_batch_size", DEFAULT_BATCH_SIZE,
        ))
        return min(size, max(batch, 1))

    # ------------------------------------------------------------------
    # Credits reserved
    # ------------------------------------------------------------------

    def _use_held_credits(self, amount):
        """Ledger movements turning `amount` of the reservation into a debit."""
        used = min(amount, self.held_credits)
        if not used:
            return []
        self.sudo().held_credits -= used
        return [(used, "hold")]

    def _settle_credits(self):
        """Give the reservation left back to the balance."""
        result = super()._settle_credits()
        for request in self.filtered("held_credits"):
            self.env["crm.iap.lead.credit.line"]._record(
                request.company_id, request.provider, [(request.held_credits, "hold")], request=request,
            )
            request._write_outcome({"credits_returned": request.credits_returned + request.held_credits,
                                    "held_credits": 0})
        return result

    # ------------------------------------------------------------------
    # The batch runner
    # ------------------------------------------------------------------

    @api.model
    def _cron_mine_in_background(self, autocommit=True):
        """Mine queued requests batch after batch, each request in isolation:
        one that fails goes to *Error* (or is retried, for a transient
        conflict) and the run goes on with the next.

        :param autocommit: commit after each batch (off in unit tests, which
          must not commit their transaction: errors are raised there).
        """
        started = time.monotonic()
        while True:
            if autocommit and time.monotonic() - started > CRON_TIME_BUDGET:
                self.env.ref("crm_iap_mine.ir_cron_mine_in_background")._trigger()
                return
            request = self._lock_next_background_request()
            if not request:
                return
            requester = request.requester_id or request.create_uid
            try:
                request.with_user(requester).with_company(request.company_id)._mine_next_batch()
                if request.failed_batch_attempts:
                    request.sudo().failed_batch_attempts = 0
            except Exception as error:  # noqa: BLE001 - one broken request must not block the others
                if not autocommit:
                    raise
                self.env.cr.rollback()  # also empties the cache: what follows reads the database
                request._handle_failed_batch(error)
            if autocommit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # a batch (or its failure) is final once done

    def _handle_failed_batch(self, error):
        """After a batch was rolled back: count a transient conflict (the next
        loop retries it with a fresh snapshot), stop the request on anything
        else or after too many conflicts in a row."""
        if self.state not in ("queued", "running"):
            return  # ended meanwhile (e.g. cancelled): nothing left to do
        if isinstance(error, TRANSIENT_DB_ERRORS) and self.failed_batch_attempts + 1 < MAX_BATCH_ATTEMPTS:
            _logger.info("Lead mining request %s: batch conflicted (%s), retrying", self.name, error)
            self.sudo().failed_batch_attempts += 1
            return
        _logger.error("Lead mining request %s: background batch failed", self.name, exc_info=error)
        self._set_error("creation", _(
            "The background work stopped (%(error)s). Retry; if it fails again, contact your administrator.",
            error=error,
        ))
        self._notify_requester()

    @api.model
    def _lock_next_background_request(self):
        """The oldest request waiting for a batch, locked for this transaction;
        requests another worker holds are skipped, never waited for."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT id FROM crm_iap_lead_mining_request
             WHERE state IN ('queued', 'running')
             ORDER BY id
             LIMIT 1
               FOR UPDATE SKIP LOCKED
        """)
        row = self.env.cr.fetchone()
        request = self.browse(row[0] if row else [])
        request.invalidate_recordset()  # read what the lock protects, not the cache
        return request

    def _mine_next_batch(self):
        """Mine one batch; end the request when nothing is left."""
        self.ensure_one()
        if self.state == "queued":
            self._set_running()
        batch_size = self._next_batch_size()
        before = self.mined_count
        try:
            self._mine_step()
        except LeadMiningError as error:
            if error.error_type == "no_result" and self.mined_count:
                self._end_background()  # the directory has nothing more to offer
            else:
                self._set_error(error.error_type, self._describe_error(error))
                self._notify_requester()
            return
        if self.mined_count >= self.lead_number or self.mined_count - before < batch_size:
            self._end_background()

    def _end_background(self):
        self._set_done()
        self.invalidate_recordset(["lead_count"])
        self._notify_salesperson(self.lead_count)
        self._notify_requester()

    def _notify_requester(self):
        """Tell who submitted it that the request ended."""
        self.invalidate_recordset(["lead_count"])
        if self.state == "done":
            self._notify_owner("success", _(
                "Request %(name)s is done: %(summary)s", name=self.name, summary=self.result_summary,
            ))
        else:
            self._notify_owner("danger", _(
                "Request %(name)s stopped: %(error)s", name=self.name, error=self.error_message,
            ))

    def _notify_owner(self, notification_type, message):
        """An inbox message, and a notification in the owner's open Odoo tabs
        with a button to the leads created (the leads view on screen reloads)."""
        user = self.requester_id or self.create_uid
        self._post_to_inbox(user, message)
        self.env["bus.bus"]._sendone(user.partner_id, "crm_iap_mine/request_ended", {
            "type": notification_type, "title": _("Lead Generation"), "message": message,
            "button": _("View"), "action": self._action_view_leads() if self.lead_count else False,
        })

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_cancel(self):
        """Stop after the batch in progress: what was created stays, the rest
        is not charged."""
        self._set_cancel()
        self.invalidate_recordset(["lead_count"])
        for request in self:
            request._message_log(body=_(
                "Cancelled: %(count)s leads were created, nothing more will be mined or charged.",
                count=formatLang(self.env, request.lead_count, digits=0),
            ))
