"""The audit log of the lead-mining service: one line per call received."""
import json
import logging
import threading
import time

from psycopg2.errors import QueryCanceled, SerializationFailure

from odoo import api, fields, models
from odoo.tools import email_normalize
from odoo.http import request

from ..tools.lead_mining_service import ServiceRefusal
from ..tools.protocols import PROTOCOLS
from .crm_iap_lead_erasure import email_fingerprint
from .crm_iap_lead_service_client import SERVICE_PARAM

_logger = logging.getLogger(__name__)

OUTCOMES = [
    ("done", "Delivered"),
    ("refused_credits", "Not enough credits"),
    ("refused_access", "Unknown token"),
    ("refused_request", "Invalid request"),
    ("rate_limited", "Rate limit"),
    ("too_large", "Request too large"),
    ("timeout", "Time limit exceeded"),
    ("busy", "Busy (another call under way)"),
]
TIME_LIMIT_PARAM = "crm_iap_mine.service_time_limit"
DEFAULT_TIME_LIMIT = 30  # seconds: well under a worker's limit_time_real (120 s)
# Refusals without a known client a minute from one address, counted; above it nothing is written.
NOISE_LIMIT_PARAM = "crm_iap_mine.service_noise_per_minute"
DEFAULT_NOISE_LIMIT = 60
# Days the audit keeps calls that delivered nothing (and the refusal counts).
RETENTION_PARAM = "crm_iap_mine.service_call_retention_days"
DEFAULT_RETENTION_DAYS = 90


class CallDeadline:
    """Cancels the statement under way on `cr` once `seconds` have passed:
    the time limit of a whole call, however many statements it runs."""

    def __init__(self, cr, seconds):
        self._connection = cr._cnx
        self._lock = threading.Lock()
        self._armed = True
        self._timer = threading.Timer(max(seconds, 0), self._cancel)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        # Once disarmed, no cancel can reach the statements that follow.
        with self._lock:
            self._armed = False
        self._timer.cancel()

    def _cancel(self):
        with self._lock:
            if self._armed:
                self._connection.cancel()


class CrmIapLeadServiceCall(models.Model):
    """One call of a client to our lead-mining service, whatever its outcome."""

    _name = "crm.iap.lead.service.call"
    _description = "Lead Mining Service Call"
    _order = "date desc, id desc"
    _log_access = False

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    client_id = fields.Many2one("crm.iap.lead.service.client", index=True, ondelete="restrict", readonly=True,
                                help="Empty when the token was unknown.")
    company_id = fields.Many2one(related="client_id.company_id", store=True)
    protocol = fields.Selection(
        [("dnb", "Dun & Bradstreet"), ("clearbit", "Clearbit"), ("balance", "Balance")], required=True, readonly=True,
    )
    filters = fields.Text(readonly=True, help="The search received (without the token nor the known ids).")
    known_count = fields.Integer(string="Known Ids Sent", readonly=True)
    delivered_company_ids = fields.Many2many(
        "crm.iap.lead.directory.company", "crm_iap_lead_service_call_delivery", "call_id", "company_id",
        string="Companies Delivered", readonly=True,
    )
    company_count = fields.Integer(string="Companies", readonly=True)
    contact_count = fields.Integer(string="Contacts", readonly=True)
    # Fingerprints of the contacts sent; empty on calls made before
    # 17.0.5.0.0, which recorded only the companies (contacts_recorded).
    delivered_contact_ids = fields.One2many("crm.iap.lead.service.call.contact", "call_id", readonly=True)
    contacts_recorded = fields.Boolean(readonly=True)
    credits = fields.Integer(readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True)
    message = fields.Char(readonly=True)

    @api.model
    def _is_service_enabled(self):
        return self.env["ir.config_parameter"].sudo().get_param(SERVICE_PARAM) == "True"

    @api.model
    def _handle(self, protocol, params):
        """Serve one mining call in `protocol` (a key of PROTOCOLS) and log it;
        return ("result", value) or ("error", kind, message). A refused call
        changes nothing but its log line."""
        started = time.monotonic()
        mining = PROTOCOLS[protocol]
        params = params if isinstance(params, dict) else {}
        query, reveal_ids = mining.read_request(params)
        log = {"protocol": protocol, "filters": json.dumps(query, sort_keys=True, default=str)[:2000] if query else False,
               "known_count": len(reveal_ids) if isinstance(reveal_ids, list) else 0}

        def serve(client):
            items, company_ids, contact_count, cost = self._serve_in_time(client, protocol, query, reveal_ids)
            return {"data": items, "credit_error": False}, {
                "delivered_company_ids": [(6, 0, company_ids)], "company_count": len(company_ids),
                "contact_count": contact_count, "credits": cost, "contacts_recorded": True,
                "delivered_contact_ids": [(0, 0, {"email_fingerprint": fingerprint})
                                          for fingerprint in self._sent_fingerprints(items)]}

        answer = self._answer_call(started, params, log, serve)
        # Some clients read "not enough credits" in the result, not as an error.
        if answer[0] == "error" and answer[1] == "credits" and mining.credit_error_in_result(params):
            answer = ("result", {"data": [], "credit_error": True})
        return answer

    @api.model
    def _sent_fingerprints(self, items):
        """Fingerprints of the addresses of the contacts in answer `items`."""
        emails = {email_normalize(person.get("email") or "") for item in items if isinstance(item, dict)
                  for person in item.get("people_data") or () if isinstance(person, dict)}
        return sorted(email_fingerprint(self.env, email) for email in emails if email)

    @api.model
    def _handle_balance(self, params):
        """Answer a client's balance (not a mining call) and log it."""
        started = time.monotonic()
        params = params if isinstance(params, dict) else {}
        def serve(client):
            client._check_rate_limit(balance=True)
            return client.balance, {}

        return self._answer_call(started, params, {"protocol": "balance"}, serve)

    @api.model
    def _answer_call(self, started, params, log, serve):
        """Serve the client of the call's token and log the call with its
        outcome; return ("result", result) or ("error", kind, message).

        :param log: the call's log values known before serving it
        :param serve: function(client) -> (result, more log values); raises
                      ServiceRefusal to refuse the call
        """
        client = self.env["crm.iap.lead.service.client"]._authenticate(params.get("account_token"))
        if not client:
            self._count_anonymous_refusal()
            return ("error", "access", "Unknown or inactive account token.")
        try:
            log["client_id"] = client.id
            result, served = serve(client)
            answer = ("result", result)
            log.update(served, outcome="done")
        except ServiceRefusal as refusal:
            log.update(outcome=refusal.outcome, message=refusal.message)
            answer = ("error", refusal.kind, refusal.message)
        log["duration_ms"] = int((time.monotonic() - started) * 1000)
        self.sudo().create(log)
        return answer

    @api.model
    def _serve_in_time(self, client, protocol, query, reveal_ids):
        """`client._serve`, one call at a time per client, within the
        service's time limit.

        The call starts a fresh transaction (what the dispatcher read is
        dropped, so the client's lock comes before anything the call reads)
        and answers "busy" at once when another call of the client holds the
        lock. The time limit covers the whole call: a timer cancels the
        statement under way when it runs out, PostgreSQL's statement_timeout
        backs it, and a call that ends past it is undone all the same, so a
        late call charges and delivers nothing."""
        limit = self._time_limit()
        started = time.monotonic()
        cr = self.env.cr
        cr.rollback()
        try:
            with cr.savepoint(flush=False):
                client._lock()
        except SerializationFailure:
            # Caught here: Odoo's retry loop would replay the whole call.
            raise client._busy() from None
        cr.execute("SELECT current_setting('statement_timeout')")
        previous_timeout = cr.fetchone()[0]
        refusal = ServiceRefusal("user", "timeout", f"The search took longer than the service's limit of {limit:g} "
                                 "seconds and was stopped; nothing was charged. Narrow the search or try again later.")
        try:
            with cr.savepoint(), CallDeadline(cr, limit - (time.monotonic() - started)):
                # Local to the savepoint: rolled back with it.
                cr.execute("SELECT set_config('statement_timeout', %s, true)", (f"{max(1, round(limit * 1000))}ms",))
                served = client._serve(protocol, query, reveal_ids)
                if time.monotonic() - started > limit:
                    raise refusal
        except QueryCanceled:
            raise refusal from None
        finally:
            cr.execute("SELECT set_config('statement_timeout', %s, true)", (previous_timeout,))
        return served

    @api.model
    def _time_limit(self):
        """Seconds a call may take (system parameter, default 30)."""
        value = self.env["ir.config_parameter"].sudo().get_param(TIME_LIMIT_PARAM)
        try:
            limit = float(value) if value else DEFAULT_TIME_LIMIT
        except ValueError:
            limit = DEFAULT_TIME_LIMIT
        return limit if limit > 0 else DEFAULT_TIME_LIMIT

    @api.model
    def _count_anonymous_refusal(self):
        """Count a refused call without a known client (unknown token, a body
        too large or unreadable) for its address
        (Odoo's: the proxy's X-Forwarded-For with --proxy-mode) in one row a
        minute, upserted on a cursor of its own: committed at once, and the
        row is locked for an instant only. Above the limit a minute, nothing
        is written at all (anonymous noise never fills the database)."""
        address = (request and request.httprequest.remote_addr) or "unknown"
        limit = self._int_param(NOISE_LIMIT_PARAM, DEFAULT_NOISE_LIMIT)
        try:
            with self.pool.cursor() as cr:
                cr.execute("""
                    SELECT count FROM crm_iap_lead_service_noise
                     WHERE minute = date_trunc('minute', now() at time zone 'UTC') AND address = %s
                """, (address,))
                row = cr.fetchone()
                if row and row[0] >= limit:
                    return
                cr.execute("""
                    INSERT INTO crm_iap_lead_service_noise (minute, address, count)
                    VALUES (date_trunc('minute', now() at time zone 'UTC'), %s, 1)
                    ON CONFLICT (minute, address) DO UPDATE SET count = crm_iap_lead_service_noise.count + 1
                """, (address,))
        except SerializationFailure:
            # A concurrent refusal from the same address counted in this instant: close enough.
            _logger.debug("Refusal from %s not counted: counted concurrently", address)

    @api.model
    def _int_param(self, key, default):
        """A positive whole number from the system parameters, else `default`."""
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            value = int(value) if value else default
        except ValueError:
            return default
        return value if value > 0 else default

    @api.autovacuum
    def _gc_calls_without_deliveries(self):
        """Calls that delivered nothing (refusals, empty answers) are kept
        `crm_iap_mine.service_call_retention_days` days (default 90), and the
        refusal counts as long; calls that delivered stay (ledger, GDPR)."""
        days = self._int_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS)
        self.env.cr.execute("""
            DELETE FROM crm_iap_lead_service_call call
             WHERE call.date < (now() at time zone 'UTC') - make_interval(days => %s)
               AND NOT EXISTS (SELECT 1 FROM crm_iap_lead_service_call_delivery delivery
                                WHERE delivery.call_id = call.id)
        """, (days,))
        self.env.cr.execute("""
            DELETE FROM crm_iap_lead_service_noise WHERE minute < (now() at time zone 'UTC') - make_interval(days => %s)
        """, (days,))
