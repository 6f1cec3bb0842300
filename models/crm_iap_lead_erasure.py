"""Erasing a person's data from what lead mining copied, with a trace."""
import hashlib
import hmac
import json
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
FINGERPRINT_METHOD = "hmac_sha256"


def key_digest(secret, digest):
    return hmac.new(secret.encode(), digest.encode(), hashlib.sha256).hexdigest()


def email_fingerprint(env, email):
    """What the trace keeps of an erased (normalized) address: enough to
    check later whether a given address was erased, not enough to read it.

    Keyed by the database secret, so that nobody can guess the address by
    hashing candidates. The address is hashed before it is keyed: traces of
    version 17.0.2.0.0 kept that plain SHA-256, and are keyed in place
    (migrations/17.0.3.0.0) without the address they came from.
    """
    secret = env["ir.config_parameter"].sudo().get_param("database.secret")
    return key_digest(secret, hashlib.sha256(email.encode()).hexdigest())


def _like_pattern(text):
    """`%text%` for (I)LIKE, with the wildcards of `text` matched literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def html_forms(email):
    """The ways HTML may hold `email`: as it is, or with its "&" and "'"
    written as entities (a note's HTML, escaped by QWeb, then serialised)."""
    return sorted({
        email.replace("&", amp).replace("'", apos)
        for amp in ("&", "&amp;", "&#38;") for apos in ("'", "&#39;", "&#x27;", "&apos;")
    })


def _scrub(value, address, people=False):
    """`value` (an answer's JSON) without `address`: a person (an element of
    `people_data`) or a text of a list that holds it goes whole, any other
    text loses the address."""
    if isinstance(value, str):
        return address.sub("", value)
    if isinstance(value, list):
        return [_scrub(element, address) for element in value
                if not ((people or isinstance(element, str))
                        and address.search(json.dumps(element, ensure_ascii=False)))]
    if isinstance(value, dict):
        return {key: _scrub(element, address, people=key == "people_data") for key, element in value.items()}
    return value


class CrmIapLeadErasure(models.Model):
    """The trace of one erasure: who, when, where, what was erased; never the data.

    An erasure covers the companies the user works in at that moment
    (shared records included), like everything else they can do: a sales
    manager of one company does not change, nor learn about, the data of
    the others. A data-protection officer erasing someone everywhere selects
    every company first; the trace lists the companies covered. The mail
    blacklist has no company: blocking an address blocks it everywhere.
    """

    _name = "crm.iap.lead.erasure"
    _description = "Lead Mining Personal Data Erasure"
    _order = "id desc"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one("res.users", string="Erased by", default=lambda self: self.env.user, readonly=True)
    company_ids = fields.Many2many("res.company", string="Companies", readonly=True)
    email_fingerprint = fields.Char(
        string="E-mail Fingerprint", readonly=True,
        help="Keyed hash (HMAC-SHA256 with the database secret) of the erased e-mail address (normalized): "
        "proves the erasure without keeping the address.",
    )
    # Empty on traces of 17.0.2.0.0 (plain SHA-256) until they are keyed.
    fingerprint_method = fields.Selection([(FINGERPRINT_METHOD, "HMAC-SHA256")], readonly=True)
    lead_count = fields.Integer(string="Leads Cleaned", readonly=True)
    note_count = fields.Integer(string="Notes Cleaned", readonly=True)
    contact_count = fields.Integer(string="Directory Contacts Deleted", readonly=True)
    answer_count = fields.Integer(string="Service Answers Cleaned", readonly=True)
    blacklisted = fields.Boolean(string="Address Blocked", readonly=True)
    # Whom to pass the erasure on to (GDPR article 19).
    service_client_ids = fields.Many2many(
        "crm.iap.lead.service.client", "crm_iap_lead_erasure_service_client_rel", "erasure_id", "client_id",
        string="Clients Who Received the Person", readonly=True,
        help="Clients of the lead-mining service that were sent this person's contact: tell them to erase it.",
    )
    possible_service_client_ids = fields.Many2many(
        "crm.iap.lead.service.client", "crm_iap_lead_erasure_possible_client_rel", "erasure_id", "client_id",
        string="Clients Who May Have Received the Person", readonly=True,
        help="Calls made before the service recorded the contacts it sent (version 17.0.5.0.0) keep only which "
        "companies went to which client: these clients were sent, with contacts, a company the person was a "
        "contact of, perhaps with this person.",
    )

    @api.model
    def _find_erasures(self, email):
        """The traces of the erasures of this address."""
        normalized = email_normalize(email or "")
        if not normalized:
            return self.browse()
        return self.search([("email_fingerprint", "=", email_fingerprint(self.env, normalized))])

    @api.model
    def _erase_person(self, email, block=False):
        """Erase the person with this e-mail from mined leads, this module's
        chatter notes and the directory of the current companies; return the trace."""
        normalized = email_normalize(email or "")
        if not normalized:
            raise UserError(_("“%(email)s” is not a valid e-mail address.", email=email or ""))
        companies = self.env.companies
        leads = self._erase_from_leads(normalized, companies)
        notes = self._erase_from_notes(normalized, companies)
        answers = self._erase_from_answers(normalized, companies)
        contacts = self.env["crm.iap.lead.directory.contact"].sudo().with_context(active_test=False).search([
            ("email", "=ilike", normalized),
            "|", ("directory_company_id.company_id", "=", False),
            ("directory_company_id.company_id", "in", companies.ids),
        ])
        contact_count = len(contacts)
        # Before the contacts go: the companies they were contacts of.
        clients, possible_clients = self._find_service_recipients(normalized, companies, contacts.directory_company_id)
        contacts.unlink()
        if block:
            self.env["mail.blacklist"].sudo()._add(
                normalized, message=_("Blocked when the person's data was erased (Lead Generation)."),
            )
        _logger.info("Lead mining: erased a person (%s leads, %s notes, %s directory contacts)",
                     len(leads), notes, contact_count)
        return self.sudo().create({
            "email_fingerprint": email_fingerprint(self.env, normalized),
            "fingerprint_method": FINGERPRINT_METHOD,
            "company_ids": [(6, 0, companies.ids)],
            "lead_count": len(leads),
            "note_count": notes,
            "contact_count": contact_count,
            "answer_count": answers,
            "blacklisted": block,
            "service_client_ids": [(6, 0, clients)],
            "possible_service_client_ids": [(6, 0, possible_clients)],
        })

    def _erase_from_leads(self, email, companies):
        leads = self.env["crm.lead"].sudo().with_context(active_test=False).search([
            ("lead_mining_request_id", "!=", False), ("email_normalized", "=", email),
            ("company_id", "in", companies.ids + [False]),
        ])
        # No tracking: a tracking value would keep the very address erased.
        leads.with_context(tracking_disable=True).write(dict.fromkeys(PERSON_LEAD_FIELDS, False))
        if leads:
            leads._message_log_batch(bodies=dict.fromkeys(leads.ids, Markup("<p>%s</p>") % _(
                "A contact's personal data was erased from this lead at their request."
            )))
        return leads

    def _find_enrichment_notes(self, email, companies):
        """The enrichment notes (company card of `iap_mail`) on the leads and
        contacts of these companies, or shared, whose text holds `email`
        (in any of its HTML forms)."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT m.id FROM mail_message m
             WHERE m.message_type = 'notification'
               AND m.body ILIKE '%%o_partner_autocomplete_enrich_info%%'
               AND m.body ILIKE ANY(%(patterns)s)
               AND ((m.model = 'crm.lead' AND m.res_id IN (
                        SELECT l.id FROM crm_lead l WHERE l.company_id IS NULL OR l.company_id = ANY(%(companies)s)))
                 OR (m.model = 'res.partner' AND m.res_id IN (
                        SELECT p.id FROM res_partner p WHERE p.company_id IS NULL OR p.company_id = ANY(%(companies)s))))
        """, {"patterns": [_like_pattern(form) for form in html_forms(email)], "companies": companies.ids})
        return self.env["mail.message"].sudo().browse([row[0] for row in self.env.cr.fetchall()])

    def _erase_from_notes(self, email, companies):
        """Remove the person's row from the enrichment notes that name them;
        return how many notes changed."""
        address = re.compile("|".join(re.escape(form) for form in html_forms(email)), re.IGNORECASE)
        changed = 0
        for message in self._find_enrichment_notes(email, companies):
            before = str(message.body)
            root = lxml_html.fragment_fromstring(before, create_parent="div")
            rows = [row for row in root.iter("tr")
                    if address.search(row.text_content()) or address.search(lxml_html.tostring(row, encoding="unicode"))]
            for row in rows:
                row.getparent().remove(row)
            body = "".join(lxml_html.tostring(child, encoding="unicode") for child in root)
            # Anywhere else (e.g. among the company's e-mails), the address goes too.
            after, replaced = address.subn("", (root.text or "") + body)
            if rows or replaced:
                message.body = Markup(after)
                changed += 1
        return changed

    def _erase_from_answers(self, email, companies):
        """Remove the person from the stored answers of the IAP service (see
        crm.iap.lead.mining.answer) of these companies' requests, and from
        those whose request is gone (rolled back); return how many changed."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT a.id, a.answer FROM crm_iap_lead_mining_answer a
              LEFT JOIN crm_iap_lead_mining_request r ON r.id = a.request_id
             WHERE a.answer::text ILIKE %(pattern)s
               AND (r.id IS NULL OR r.company_id = ANY(%(companies)s))
        """, {"pattern": _like_pattern(email), "companies": companies.ids})
        address = re.compile(re.escape(email), re.IGNORECASE)
        changes = []
        for answer_id, answer in self.env.cr.fetchall():
            scrubbed = _scrub(answer, address)
            if scrubbed != answer:
                changes.append((answer_id, json.dumps(scrubbed)))
        if changes:
            self.env.cr.execute("""
                UPDATE crm_iap_lead_mining_answer a SET answer = scrubbed.answer::jsonb
                  FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::text[]) AS answer) scrubbed
                 WHERE a.id = scrubbed.id
            """, ([answer_id for answer_id, _answer in changes], [answer for _answer_id, answer in changes]))
            self.env["crm.iap.lead.mining.answer"].invalidate_model(["answer"])
        return len(changes)

    def _find_service_recipients(self, email, companies, directory_companies):
        """([ids of the clients of these companies' lead-mining service that
        were sent this person], [ids of those that may have been]): calls
        record the contacts they send (a fingerprint of each address); older
        calls only which companies they sent, so a client sent, with
        contacts, a company the person is a contact of may have received them."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT DISTINCT call.client_id FROM crm_iap_lead_service_call_contact sent
              JOIN crm_iap_lead_service_call call ON call.id = sent.call_id
             WHERE sent.email_fingerprint = %s AND call.company_id = ANY(%s)
        """, (email_fingerprint(self.env, email), companies.ids))
        clients = [client_id for client_id, in self.env.cr.fetchall()]
        possible = []
        if directory_companies:
            self.env.cr.execute("""
                SELECT DISTINCT call.client_id FROM crm_iap_lead_service_call_delivery d
                  JOIN crm_iap_lead_service_call call ON call.id = d.call_id
                 WHERE d.company_id = ANY(%s) AND call.company_id = ANY(%s) AND call.contact_count > 0
                   AND NOT COALESCE(call.contacts_recorded, FALSE) AND call.client_id != ALL(%s::int[])
            """, (directory_companies.ids, companies.ids, clients))
            possible = [client_id for client_id, in self.env.cr.fetchall()]
        return clients, possible
