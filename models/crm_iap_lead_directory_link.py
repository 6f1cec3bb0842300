"""Which directory company a partner or a lead is, and how we know.

The strongest evidence first: the lead was mined from that very company;
a register number in the Company ID or the Tax ID; the website or e-mail
domain; the normalised name with the postcode. Only the last one is a
suggestion a user confirms: the others link at once. A rejected link (a
suggestion turned down, a link removed) is kept, so that no matching run
proposes it again.

Matching is set-based SQL over a batch of records (`_match`): the interactive
action, the mined leads and the background run (`crm.iap.lead.directory.matching`)
share it.
"""
from odoo import _, api, fields, models
from odoo.addons.iap.tools.iap_tools import _MAIL_DOMAIN_BLACKLIST

from ..const import LINK_STATE_TRANSITIONS
from ..tools.company_names import name_key_sql
from ..tools.domains import WEBSITE_DOMAIN_SQL
from ..tools.registers import ADAPTERS

EVIDENCES = [
    ("mined", "Mined from it"),
    ("register_number", "Register number"),
    ("vat", "Tax ID"),
    ("domain", "Website or e-mail domain"),
    ("name_zip", "Name and postcode"),
]
LINK_STATES = [("suggested", "Suggested"), ("linked", "Linked"), ("rejected", "Rejected")]
# The order of strength: the first evidence found wins.
EVIDENCE_RANK = {evidence: rank for rank, (evidence, _label) in enumerate(EVIDENCES)}
# Evidence that links without a user's confirmation.
SURE_EVIDENCES = ("mined", "register_number", "vat", "domain")


def postcode_sql(expression):
    """A postcode without spaces or punctuation, upper case: "sw1a 1aa" is "SW1A1AA"."""
    return f"NULLIF(upper(regexp_replace({expression}, '[^0-9A-Za-z]', '', 'g')), '')"


class CrmIapLeadDirectoryLink(models.Model):
    _name = "crm.iap.lead.directory.link"
    _inherit = ["crm.iap.lead.state.mixin"]
    _description = "Directory Link"
    _order = "id desc"
    _state_transitions = LINK_STATE_TRANSITIONS
    _rec_name = "directory_company_id"

    partner_id = fields.Many2one("res.partner", ondelete="cascade", index="btree_not_null", readonly=True)
    lead_id = fields.Many2one("crm.lead", ondelete="cascade", index="btree_not_null", readonly=True)
    directory_company_id = fields.Many2one(
        "crm.iap.lead.directory.company", required=True, ondelete="cascade",
        index=True, readonly=True,
    )
    evidence = fields.Selection(EVIDENCES, required=True, readonly=True)
    # What matched: the number, the domain, or the normalised name.
    evidence_value = fields.Char(string="Matched On", readonly=True)
    state = fields.Selection(
        LINK_STATES, required=True, default="suggested", readonly=True,
    )
    # The record's company, for the multi-company rule.
    company_id = fields.Many2one("res.company", readonly=True, index="btree_not_null")

    _sql_constraints = [
        ("one_record", "CHECK (num_nonnulls(partner_id, lead_id) = 1)", "A link is of one partner or one lead."),
        ("partner_company_uniq", "unique (partner_id, directory_company_id)",
         "This partner is already linked to this directory company."),
        ("lead_company_uniq", "unique (lead_id, directory_company_id)",
         "This lead is already linked to this directory company."),
    ]

    def init(self):
        # One live link (suggested or linked) per record; rejected ones pile up.
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS crm_iap_lead_directory_link_partner_live_idx
                ON crm_iap_lead_directory_link (partner_id) WHERE state != 'rejected' AND partner_id IS NOT NULL;
            CREATE UNIQUE INDEX IF NOT EXISTS crm_iap_lead_directory_link_lead_live_idx
                ON crm_iap_lead_directory_link (lead_id) WHERE state != 'rejected' AND lead_id IS NOT NULL;
        """)

    def _state_refusal(self, target_state):
        return _("%(company)s: this link is %(state)s, it cannot become %(target)s.",
                 company=self.directory_company_id.display_name, state=self._state_label(self.state),
                 target=self._state_label(target_state))

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------

    @api.model
    def _match(self, kind, record_ids):
        """Link the records `record_ids` ("partner": company partners,
        "lead": leads) that have no live link to their directory company,
        by the strongest evidence found; {"linked": n, "suggested": n}.

        A candidate the record rejected before is passed over; a domain or a
        name and postcode shared by several directory companies proves
        nothing and is passed over too. Only directory companies shared with
        every company or of the record's own company are candidates.
        """
        counts = {"linked": 0, "suggested": 0}
        if not record_ids:
            return counts
        self.env.flush_all()
        column = "partner_id" if kind == "partner" else "lead_id"
        params = {"ids": list(record_ids), "public": list(_MAIL_DOMAIN_BLACKLIST), "uid": self.env.uid}
        candidates = self._candidates_sql(kind, params)
        sure = ", ".join(f"'{evidence}'" for evidence in SURE_EVIDENCES)
        # JIT compilation of this large query costs more than it saves.
        self.env.cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = self.env.cr.fetchone()[0]
        self.env.cr.execute(f"""
            INSERT INTO crm_iap_lead_directory_link
                   ({column}, directory_company_id, evidence, evidence_value, state, company_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT DISTINCT ON (x.record_id)
                   x.record_id, x.directory_company_id, x.evidence, x.value,
                   CASE WHEN x.evidence IN ({sure}) THEN 'linked' ELSE 'suggested' END, x.company_id,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM ({candidates}) x
             WHERE NOT EXISTS (SELECT 1 FROM crm_iap_lead_directory_link l
                                WHERE l.{column} = x.record_id
                                  AND (l.state != 'rejected' OR l.directory_company_id = x.directory_company_id))
             ORDER BY x.record_id, x.rank, x.directory_company_id
               ON CONFLICT DO NOTHING
            RETURNING state
        """, params)
        for state, in self.env.cr.fetchall():
            counts[state] += 1
        self.env.cr.execute("SELECT set_config('jit', %s, true)", [jit])
        self.invalidate_model()
        return counts

    @api.model
    def _candidates_sql(self, kind, params):
        """SQL of every (record_id, directory_company_id, evidence, rank,
        value, company_id) the records `%(ids)s` have, the record as `p`."""
        table = "res_partner" if kind == "partner" else "crm_lead"
        company_only = " AND p.is_company" if kind == "partner" else ""

        def records(condition="TRUE", number="NULL"):
            # `number`: the register number, computed here so that the probe
            # compares a plain value (an adapter's expression may be a
            # subquery, which no index condition takes).
            return (f"(SELECT p.*, {number} AS number FROM {table} p "
                    f"WHERE p.id = ANY(%(ids)s){company_only} AND {condition}) p")

        visible = "c.active AND (c.company_id IS NULL OR c.company_id = p.company_id)"
        parts = []

        # Every candidate is looked up per record, by an index probe, in a
        # LATERAL subquery with a LIMIT or an aggregate, which PostgreSQL
        # cannot turn into a join: as a join, it hashed the whole directory
        # (millions of companies) for each chunk of records.
        def by_probe(evidence, records_sql, where, value="c.register_number"):
            return f"""SELECT p.id AS record_id, m.id AS directory_company_id, '{evidence}' AS evidence,
                              {EVIDENCE_RANK[evidence]} AS rank, m.value, p.company_id
                  FROM {records_sql}
                  JOIN LATERAL (SELECT c.id, {value} AS value FROM crm_iap_lead_directory_company c
                                 WHERE {where} AND {visible} LIMIT 1) m ON TRUE"""

        def unique_probe(evidence, records_sql, key, where):
            # A domain or a name shared by several companies proves nothing.
            return f"""SELECT p.id, m.id, '{evidence}', {EVIDENCE_RANK[evidence]}, m.value, p.company_id
                  FROM {records_sql}
                 CROSS JOIN LATERAL ({key}) k(value)
                  JOIN LATERAL (SELECT min(c.id) AS id, count(*) AS companies, k.value AS value
                                  FROM crm_iap_lead_directory_company c
                                 WHERE {where} AND {visible}) m ON m.companies = 1"""

        if kind == "lead":
            parts.append(by_probe("mined", records("p.reveal_id LIKE 'directory-%%'"),
                                  "c.id = substring(p.reveal_id from '^directory-(\\d{1,9})$')::integer"))
        for code, adapter in ADAPTERS.items():
            params[f"country_{code}"] = adapter.country_code
            numbers = [("register_number", adapter.registry_number_sql, f"""p.company_registry IS NOT NULL
                        AND (p.country_id IS NULL
                             OR p.country_id = (SELECT id FROM res_country WHERE code = %(country_{code})s))""")]
            if kind == "partner":
                numbers.append(("vat", adapter.vat_number_sql, "p.vat IS NOT NULL"))
            for evidence, expression, condition in numbers:
                if expression:
                    parts.append(by_probe(evidence, records(condition, expression),
                                          f"c.register_code = '{code}' AND c.register_number = p.number"))
        email_domain = ("split_part(p.email_normalized, '@', 2)" if kind == "partner"
                        else "substr(p.email_domain_criterion, 2)")
        parts.append(unique_probe(
            "domain", records(),
            f"""SELECT d FROM (VALUES ({WEBSITE_DOMAIN_SQL.format(col="p.website")}), ({email_domain})) v(d)
                 WHERE d != '' AND d != ALL(%(public)s)""",
            "c.domain = k.value"))
        name = "p.name" if kind == "partner" else "p.partner_name"
        parts.append(unique_probe(
            "name_zip", records("p.zip IS NOT NULL AND p.country_id IS NOT NULL"),
            f"SELECT {name_key_sql(name)}",
            f"c.name_key = k.value AND c.country_id = p.country_id AND {postcode_sql('c.zip')} = {postcode_sql('p.zip')}"))
        return "\nUNION ALL\n".join(parts)
