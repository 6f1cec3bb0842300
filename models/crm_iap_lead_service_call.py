"""The audit log of the lead-mining service: one line per call received."""
import json
import time

from odoo import api, fields, models

from ..tools.lead_mining_service import ServiceRefusal
from .crm_iap_lead_service_client import SERVICE_PARAM

OUTCOMES = [
    ("done", "Delivered"),
    ("refused_credits", "Not enough credits"),
    ("refused_access", "Unknown token"),
    ("refused_request", "Invalid request"),
    ("rate_limited", "Rate limit"),
    ("too_large", "Request too large"),
]


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
    credits = fields.Integer(readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True)
    message = fields.Char(readonly=True)

    @api.model
    def _is_service_enabled(self):
        return self.env["ir.config_parameter"].sudo().get_param(SERVICE_PARAM) == "True"

    @api.model
    def _handle(self, protocol, params):
        """Serve one call and log it; return ("result", value) or
        ("error", kind, message). A refused call changes nothing but its log line."""
        started = time.monotonic()
        params = params if isinstance(params, dict) else {}
        query = params.get("query" if protocol == "dnb" else "data")
        reveal_ids = params.get("reveal_ids") if protocol == "dnb" else []
        log = {"protocol": protocol, "filters": json.dumps(query, sort_keys=True, default=str)[:2000] if query else False,
               "known_count": len(reveal_ids) if isinstance(reveal_ids, list) else 0}
        client = self.env["crm.iap.lead.service.client"]._authenticate(params.get("account_token"))
        try:
            if not client:
                raise ServiceRefusal("access", "refused_access", "Unknown or inactive account token.")
            log["client_id"] = client.id
            if protocol == "balance":
                answer = ("result", client.balance)
                log["outcome"] = "done"
            else:
                with self.env.cr.savepoint():
                    items, company_ids, contact_count, cost = client._serve(protocol, query, reveal_ids)
                answer = ("result", {"data": items, "credit_error": False})
                log.update(outcome="done", delivered_company_ids=[(6, 0, company_ids)],
                           company_count=len(company_ids), contact_count=contact_count, credits=cost)
        except ServiceRefusal as refusal:
            log.update(outcome=refusal.outcome, message=refusal.message)
            if refusal.kind == "credits" and protocol == "dnb":
                # The D&B route flags missing credits in its result.
                answer = ("result", {"data": [], "credit_error": True})
            else:
                answer = ("error", refusal.kind, refusal.message)
        log["duration_ms"] = int((time.monotonic() - started) * 1000)
        self.sudo().create(log)
        return answer

    @api.model
    def _log_refusal(self, protocol, outcome, message):
        """Log a call refused before it could be read (too large, not JSON)."""
        self.sudo().create({"protocol": protocol, "outcome": outcome, "message": message})
