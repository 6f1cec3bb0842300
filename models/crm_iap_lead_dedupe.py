"""Recognise companies the CRM already knows, by website or e-mail domain."""
from odoo import api, models
from odoo.addons.iap.tools.iap_tools import _MAIL_DOMAIN_BLACKLIST

from ..tools.domains import WEBSITE_DOMAIN_SQL as _SQL_WEBSITE_DOMAIN

# The domains of a list of e-mail addresses separated by commas or semicolons,
# as `email_domain` finds them (public providers need no filter: no lead or
# contact is known by one, see `_known_domains_sql`).
_SQL_EMAIL_DOMAINS = r"ARRAY(SELECT substring(lower(trim(e)) from '@([^@]+)$') FROM regexp_split_to_table({col}, '[,;]') e)"


# Expression indexes matching the conditions of `_known_domains_sql`, so that
# "is this domain known?" is a few index probes instead of normalising every
# lead and contact of the CRM (name, table, expression, predicate).
DEDUPE_INDEXES = [
    ("crm_iap_mine_lead_website_domain_idx", "crm_lead", _SQL_WEBSITE_DOMAIN.format(col="website"),
     "website IS NOT NULL AND website != ''"),
    ("crm_iap_mine_lead_email_domain_idx", "crm_lead", "substr(email_domain_criterion, 2)",
     "email_domain_criterion LIKE '@%'"),
    ("crm_iap_mine_partner_website_domain_idx", "res_partner", _SQL_WEBSITE_DOMAIN.format(col="website"),
     "website IS NOT NULL AND website != ''"),
    ("crm_iap_mine_partner_email_domain_idx", "res_partner", "split_part(email_normalized, '@', 2)",
     "email_normalized IS NOT NULL"),
    # Leads mined from the directory: "is directory company N a lead?" (see
    # `DIRECTORY_REVEAL_SQL`), a probe of the few leads that came from it.
    ("crm_iap_mine_lead_directory_reveal_idx", "crm_lead", "reveal_id", "reveal_id LIKE 'directory-%'"),
]

# The leads of the company `%(dedupe_company)s` or of none (archived and lost
# included) mined from the directory company `c` (its `reveal_id`). The LIKE
# repeats the predicate of its partial index, so that PostgreSQL uses it.
DIRECTORY_REVEAL_SQL = """COALESCE((
    SELECT TRUE FROM crm_lead l
     WHERE l.reveal_id LIKE 'directory-%%' AND l.reveal_id = 'directory-' || c.id
       AND (l.company_id IS NULL OR l.company_id = %(dedupe_company)s)
     LIMIT 1), FALSE)"""


class CrmIapLeadDedupe(models.AbstractModel):
    """Which incoming companies are already leads, opportunities or contacts.

    A company is known when its normalised website domain, or the domain of
    one of its e-mails (public mail providers ignored), matches a lead or
    opportunity (archived ones included) or a contact of the request's
    company or of no company (shared records).
    """

    _name = "crm.iap.lead.dedupe"
    _description = "Lead Mining Duplicate Detection"

    def init(self):
        # Dropped by the uninstall hook: these tables are not ours.
        for name, table, expression, predicate in DEDUPE_INDEXES:
            self.env.cr.execute(  # pylint: disable=sql-injection  # module constants only
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} (({expression})) WHERE {predicate}"
            )

    @api.model
    def _known_domains_sql(self, company):
        """(SQL, params) selecting `domain, model, res_id` of every known domain.

        Filter it on `domain` (outer `WHERE domain = ...` or `= ANY(...)`): PostgreSQL pushes
        the condition into every branch, which then uses `DEDUPE_INDEXES`.
        """
        website_lead = _SQL_WEBSITE_DOMAIN.format(col="l.website")
        website_partner = _SQL_WEBSITE_DOMAIN.format(col="p.website")
        sql = f"""
            SELECT {website_lead} AS domain, 'crm.lead' AS model, l.id AS res_id
              FROM crm_lead l
             WHERE l.website IS NOT NULL AND l.website != ''
               AND (l.company_id IS NULL OR l.company_id = %(dedupe_company)s)
            UNION ALL
            -- crm.lead stores '@domain' for company domains, the whole
            -- address for public mail providers.
            SELECT substr(l.email_domain_criterion, 2), 'crm.lead', l.id
              FROM crm_lead l
             WHERE l.email_domain_criterion LIKE '@%%'
               AND (l.company_id IS NULL OR l.company_id = %(dedupe_company)s)
            UNION ALL
            SELECT {website_partner}, 'res.partner', p.id
              FROM res_partner p
             WHERE p.website IS NOT NULL AND p.website != ''
               AND (p.company_id IS NULL OR p.company_id = %(dedupe_company)s)
            UNION ALL
            SELECT split_part(p.email_normalized, '@', 2), 'res.partner', p.id
              FROM res_partner p
             WHERE p.email_normalized IS NOT NULL
               AND split_part(p.email_normalized, '@', 2) != ALL(%(dedupe_public)s)
               AND (p.company_id IS NULL OR p.company_id = %(dedupe_company)s)
        """
        return sql, {"dedupe_company": company.id, "dedupe_public": sorted(_MAIL_DOMAIN_BLACKLIST)}

    @api.model
    def _company_domains_sql(self, domain_column, emails_column):
        """SQL array of the domains identifying a company: its (normalised)
        website domain and the domains of its e-mails, as `_company_domains`
        of the request finds them in an answer."""
        return f"array_append({_SQL_EMAIL_DOMAINS.format(col=emails_column)}, {domain_column})"

    @api.model
    def _find_known_companies(self, company, domains):
        """{domain: record} for the given domains already in the CRM.

        A lead or opportunity is preferred over a contact, the oldest first.
        """
        domains = sorted({d for d in domains if d})
        if not domains:
            return {}
        known_sql, params = self._known_domains_sql(company)
        self.env.flush_all()
        self.env.cr.execute(f"""
            SELECT DISTINCT ON (known.domain) known.domain, known.model, known.res_id
              FROM ({known_sql}) known
             WHERE known.domain = ANY(%(dedupe_domains)s)
          ORDER BY known.domain, known.model, known.res_id
        """, dict(params, dedupe_domains=domains))
        return {domain: self.env[model].browse(res_id) for domain, model, res_id in self.env.cr.fetchall()}
