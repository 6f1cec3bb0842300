"""The contacts each call of the lead-mining service sent, as fingerprints."""
from odoo import fields, models


class CrmIapLeadServiceCallContact(models.Model):
    """One contact sent by one service call: the keyed fingerprint of its
    e-mail address (see crm_iap_lead_erasure.email_fingerprint), never the
    address, so that erasing a person lists the clients that received them
    (GDPR article 19) after the person is gone from the directory."""

    _name = "crm.iap.lead.service.call.contact"
    _description = "Contact Sent by a Lead Mining Service Call"
    _log_access = False

    call_id = fields.Many2one("crm.iap.lead.service.call", required=True, index=True, ondelete="cascade",
                              readonly=True)
    email_fingerprint = fields.Char(required=True, index=True, readonly=True)
