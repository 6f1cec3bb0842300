"""Calls of the lead-mining service without a known client, counted."""
from odoo import fields, models


class CrmIapLeadServiceNoise(models.Model):
    """Refused calls without a known client (unknown token, unreadable body),
    counted per minute and client address: one small row, whatever the number
    of calls, instead of one audit line each (see
    `crm.iap.lead.service.call._count_anonymous_refusal`)."""

    _name = "crm.iap.lead.service.noise"
    _description = "Lead Mining Service Refusals per Address"
    _order = "minute desc, id desc"
    _log_access = False

    minute = fields.Datetime(required=True, readonly=True, index=True)
    address = fields.Char(required=True, readonly=True, help="The caller's address (behind a proxy: --proxy-mode).")
    count = fields.Integer(readonly=True)

    _sql_constraints = [
        ("minute_address_unique", "UNIQUE (minute, address)", "One row per minute and address."),
    ]
