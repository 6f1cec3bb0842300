"""Erasing a person's data from what lead mining copied, with a trace."""
import hashlib
import logging
import re

from lxml import html as lxml_html
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

_logger = logging.getLogger(__name__)

# The lead fields lead mining fills from a person (see crm.iap.lead.helpers).
PERSON_LEAD_FIELDS = ("contact_name", "email_from", "function")


def email_fingerprint(email):
    """What the trace keeps of an erased address: enough to check later
    whether a given address was erased, not enough to read it."""
    return hashlib.sha256(email.encode()).hexdigest()


class CrmIapLeadErasure(models.Model):
    """The trace of one erasure: who, when, what was erased; never the data."""

    _name = "crm.iap.lead.erasure"
    _description = "Lead Mining Personal Data Erasure"
    _order = "id desc"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one("res.users", string="Erased by", default=lambda self: self.env.user, readonly=True)
    email_fingerprint = fields.Char(
        string="E-mail Fingerprint", readonly=True, help="SHA-256 of the erased e-mail address (normalized): proves the erasure without keeping it.",
    )
    lead_count = fields.Integer(string="Leads Cleaned", readonly=True)
    note_count = fields.Integer(string="Notes Cleaned", readonly=True)
    contact_count = fields.Integer(string="Directory Contacts Deleted", readonly=True)
    blacklisted = fields.Boolean(string="Address Blocked", readonly=True)

    @api.model
    def _erase_person(self, email, block=False):
        """Erase the person with this e-mail from mined leads, this module's
        chatter notes and the directory; return the trace."""
        normalized = email_normalize(email or "")
        if not normalized:
            raise UserError(_("“%(email)s” is not a valid e-mail address.", email=email or ""))
        leads = self._erase_from_leads(normalized)
        notes = self._erase_from_notes(normalized)
        contacts = self.env["crm.iap.lead.directory.contact"].sudo().with_context(active_test=False).search(
            [("email", "=ilike", normalized)]
        )
        contact_count = len(contacts)
        contacts.unlink()
        if block:
            self.env["mail.blacklist"].sudo()._add(
                normalized, message=_("Blocked when the person's data was erased (Lead Generation)."),
            )
        _logger.info("Lead mining: erased a person (%s leads, %s notes, %s directory contacts)",
                     len(leads), notes, contact_count)
        return self.sudo().create({
            "email_fingerprint": email_fingerprint(normalized),
            "lead_count": len(leads),
            "note_count": notes,
            "contact_count": contact_count,
            "blacklisted": block,
        })

    def _erase_from_leads(self, email):
        leads = self.env["crm.lead"].sudo().with_context(active_test=False).search([
            ("lead_mining_request_id", "!=", False), ("email_normalized", "=", email),
        ])
        # No tracking: a tracking value would keep the very address erased.
        leads.with_context(tracking_disable=True).write(dict.fromkeys(PERSON_LEAD_FIELDS, False))
        if leads:
            leads._message_log_batch(bodies=dict.fromkeys(leads.ids, Markup("<p>%s</p>") % _(
                "A contact's personal data was erased from this lead at their request."
            )))
        return leads

    def _erase_from_notes(self, email):
        """Remove the person's row from the enrichment notes that name them."""
        messages = self.env["mail.message"].sudo().search([
            ("model", "in", ["crm.lead", "res.partner"]),
            ("message_type", "=", "notification"),
            ("body", "ilike", email),
        ])
        address = re.compile(re.escape(email), re.IGNORECASE)
        for message in messages:
            root = lxml_html.fragment_fromstring(str(message.body), create_parent="div")
            rows = [row for row in root.iter("tr") if address.search(lxml_html.tostring(row, encoding="unicode"))]
            for row in rows:
                row.getparent().remove(row)
            body = "".join(lxml_html.tostring(child, encoding="unicode") for child in root)
            # Anywhere else (e.g. among the company's e-mails), the address goes too.
            message.body = Markup(address.sub("", (root.text or "") + body))
        return len(messages)
