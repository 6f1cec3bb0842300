from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools.company_names import name_key
from ..tools.registers import ADAPTERS
from ..tools.domains import normalize_domain
from ..tools.lookalike import profile_key_sql
from .crm_iap_lead_technology import technologies_sql


# Written by register imports only (see `_check_register_fields`).
REGISTER_SET_FIELDS = ("advertising_protected", "register_status", "register_status_date")


def register_selection(_model=None):
    return [(code, adapter.label) for code, adapter in ADAPTERS.items()]


class CrmIapLeadDirectoryCompany(models.Model):
    """A company of the company's own directory (a bought list, a chamber of
    commerce export...), mined like the IAP service: same filters, same
    `{company_data, people_data}` answer."""

    _name = "crm.iap.lead.directory.company"
    _description = "Directory Company"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, index="trigram")
    legal_name = fields.Char()
    # The normalised name (tools/company_names.py) that matches partners and
    # leads by name and postcode: computed here for the companies made by
    # the ORM, in SQL by register imports (and by the upgrade to 17.0.6).
    name_key = fields.Char(compute="_compute_name_key", store=True, readonly=True, copy=False)
    domain = fields.Char(help="Website domain, e.g. acme.example. Used to recognise companies already in the CRM.")
    emails = fields.Char(help="E-mail addresses, separated by commas.")
    phones = fields.Char(help="Phone numbers, separated by commas.")
    street = fields.Char()
    city = fields.Char()
    zip = fields.Char()
    state_id = fields.Many2one("res.country.state", domain="[('country_id', '=?', country_id)]")
    country_id = fields.Many2one("res.country", required=True)
    industry_id = fields.Many2one("crm.iap.lead.industry")
    industry_code = fields.Char(
        string="Register Industry Code", readonly=True, copy=False,
        help="The activity code the register gives (SIC, NAF, NACE...), whether or not it maps to an industry.")
    employees = fields.Integer()
    # A band (SIRENE's size bands): `employees` is its lower bound. An open
    # band ("10,000 and more") stores PostgreSQL's largest integer
    # (MAX_INTEGER of tools/registers/base.py): the size filter then finds it
    # in any range above its lower bound.
    employees_max = fields.Integer(
        string="Employees (Upper Bound)",
        help="The upper bound when the source gives only a band; empty when Employees is an exact figure.",
    )
    estimated_revenue = fields.Float(string="Estimated Annual Revenue", digits=(16, 0),
                                     help="In the revenue currency; 0 when unknown.")
    # Set by the import (a column of its own) or else, when a revenue is
    # given, the owner company's currency, or else the country's (see create).
    revenue_currency_id = fields.Many2one("res.currency")
    technologies = fields.Char(help="Technologies used, separated by commas.")
    timezone = fields.Char()
    description = fields.Text()
    founded_year = fields.Integer()
    # The register's date of incorporation, when it gives one (the year is
    # then its year): what "founded in the last N days" filters on.
    founded_date = fields.Date(string="Founded On", index="btree_not_null")
    legal_form = fields.Char(help="As the register gives it: a company category, a legal form's code or abbreviation.")
    twitter = fields.Char(string="X / Twitter")
    facebook = fields.Char()
    linkedin = fields.Char(string="LinkedIn")
    crunchbase = fields.Char()
    contact_ids = fields.One2many("crm.iap.lead.directory.contact", "directory_company_id", string="Contacts")
    contact_count = fields.Integer(compute="_compute_contact_count")
    company_id = fields.Many2one(
        "res.company", string="Owner Company", index=True, default=lambda self: self._default_company_id(),
        help="Leave empty to share this company with every company of the database.",
    )
    active = fields.Boolean(default=True)
    # Set on companies imported from a public register: its key there.
    register_code = fields.Selection(register_selection, string="Register", readonly=True, copy=False)
    register_number = fields.Char(readonly=True, copy=False)
    # A company on its way out, as its register says: kept (the register
    # watch follows it), never delivered. Empty for every other company.
    register_status = fields.Selection([
        ("bankrupt", "Bankrupt"),
        ("liquidation", "In Liquidation"),
        ("strike_off", "Proposed for Strike-off"),
        ("administration", "In Administration"),
        ("receivership", "In Receivership"),
        ("winding_up", "Winding Up"),
    ], readonly=True, copy=False, help="Set by register imports: a company on its way out is never delivered.")
    register_status_date = fields.Date(
        string="Register Status Since", readonly=True, copy=False,
        help="The register's date of the status, or else the day an import first saw it.",
    )
    # Denmark's reklamebeskyttelse (and any register's like it): the company
    # refuses advertising, by law. Kept (matching and enrichment use it),
    # never delivered by a request or the service: out of the picking indexes.
    advertising_protected = fields.Boolean(
        string="Refuses Advertising", readonly=True, copy=False, default=False,
        help="Set by register imports: the register says the company refuses advertising (a legal duty). It is "
             "never delivered by a lead-mining request or the service.")
    # Fair rotation: the least delivered, then the longest ago, first.
    delivery_count = fields.Integer(string="Times Delivered", required=True, default=0, readonly=True, copy=False)
    last_delivered_date = fields.Datetime(string="Last Delivered", readonly=True, copy=False)
    last_request_id = fields.Many2one(
        "crm.iap.lead.mining.request", string="Last Delivered By", readonly=True, copy=False, ondelete="set null",
        # Deleting a request sets this to NULL: without an index of its own,
        # PostgreSQL scans the whole directory for each request deleted.
        index="btree_not_null",
    )

    # Set by register imports whose figures are of a quarter (Estonia's Tax
    # and Customs Board): how old the employees and the revenue are.
    figures_quarter = fields.Char(
        string="Figures Of", readonly=True, copy=False,
        help="The quarter the number of employees and the revenue are from, as the register gives them "
             "(e.g. 2026-Q3); the revenue is that quarter's turnover times four.",
    )

    _sql_constraints = [
        ("employees_positive", "CHECK (employees >= 0)", "The number of employees cannot be negative."),
        ("employees_band", "CHECK (employees_max IS NULL OR employees_max >= COALESCE(employees, 0))",
         "The upper bound of the number of employees cannot be below its lower bound."),
        ("register_number_uniq", "unique (register_code, register_number)",
         "A company with this number is already imported from this register."),
    ]

    def init(self):
        # The hash of the register row a company was last imported from: an
        # unchanged row of the next file is neither checked nor rewritten
        # (tools/registers/loader.py). No field: nothing shows or writes it.
        self.env.cr.execute(f"ALTER TABLE {self._table} ADD COLUMN IF NOT EXISTS register_hash bigint")
        # The mining query filters on the key columns and reads the included
        # ones: an index-only scan, instead of visiting the table page of
        # every matching company (scattered over the whole table at 1M rows).
        # Named anew whenever its columns change: CREATE INDEX IF NOT EXISTS
        # would keep an older definition under the same name (the older names
        # are dropped by migrations/17.0.3.0.0 and 17.0.4.0.0).
        # shuffle_key: a random number drawn once per company (the column's
        # default, for the ORM, the COPY loader and the register merge alike),
        # the last key of the picking order. Each request starts the shuffle
        # at a point of its own, and two indexes give the companies in that
        # order, the never delivered (most of a register) by their key alone,
        # so that a start is a range: picking reads the first ones instead of
        # ranking every candidate (a whole country of a register is
        # millions). Not an ORM field: nothing writes it.
        # Companies on their way out (register_status) are never delivered:
        # left out of the picking indexes, like the archived ones.
        # employees_max and the revenue are included for the size filter's
        # band overlap and the revenue filter (17.0.7: the indexes without
        # them are dropped by pre-sizes.py); companies refusing advertising
        # are left out (17.0.8: the older ones dropped by pre-dk-cvr.py).
        self.env.cr.execute("""
            ALTER TABLE crm_iap_lead_directory_company ADD COLUMN IF NOT EXISTS
                shuffle_key integer NOT NULL DEFAULT (random() * 2147483647)::integer;
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_pickable_idx
                ON crm_iap_lead_directory_company (country_id, industry_id, employees)
                   INCLUDE (id, company_id, last_request_id, delivery_count, last_delivered_date, shuffle_key,
                            domain, emails, employees_max, estimated_revenue, revenue_currency_id)
             WHERE active AND register_status IS NULL AND advertising_protected IS NOT TRUE;
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_pickable_fresh_idx
                ON crm_iap_lead_directory_company (shuffle_key)
                   INCLUDE (id, country_id, state_id, industry_id, employees, company_id, last_request_id,
                            last_delivered_date, domain, emails, employees_max, estimated_revenue,
                            revenue_currency_id)
             WHERE active AND register_status IS NULL AND advertising_protected IS NOT TRUE AND delivery_count = 0;
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_pickable_rotation_idx
                ON crm_iap_lead_directory_company (delivery_count, last_delivered_date NULLS FIRST, shuffle_key)
                   INCLUDE (id, country_id, state_id, industry_id, employees, company_id, last_request_id,
                            domain, emails, employees_max, estimated_revenue, revenue_currency_id)
             WHERE active AND register_status IS NULL AND advertising_protected IS NOT TRUE AND delivery_count > 0;
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_domain_idx
                ON crm_iap_lead_directory_company (domain) WHERE domain IS NOT NULL;
        """)
        # Lookalike ranking (tools/lookalike.py): the key of the company's
        # profile, kept by PostgreSQL whoever writes the row (ORM, register
        # merge, COPY); the index gives a profile's companies in rotation
        # order, so that the picking ranks the profiles, not each company.
        # pylint: disable-next=sql-injection  # the module's own SQL
        self.env.cr.execute(f"""
            ALTER TABLE crm_iap_lead_directory_company ADD COLUMN IF NOT EXISTS
                profile_key bigint GENERATED ALWAYS AS ({profile_key_sql("")}) STORED;
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_profile_idx
                ON crm_iap_lead_directory_company (profile_key, delivery_count, shuffle_key)
             WHERE active AND register_status IS NULL;
        """)
        # Matching by name and postcode: the companies of one normalised name
        # in one country, their postcode read from the index.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_name_key_idx
                ON crm_iap_lead_directory_company (name_key, country_id) INCLUDE (zip, company_id, id)
             WHERE active AND name_key IS NOT NULL
        """)
        # The revenue filter: how many deliverable companies of the chosen
        # countries have a revenue (the dialog says it), in which currencies.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_revenue_country_idx
                ON crm_iap_lead_directory_company (country_id) INCLUDE (company_id, revenue_currency_id)
             WHERE active AND register_status IS NULL AND estimated_revenue > 0
        """)
        # The technology filter: a rare technology is found through its
        # normalised names (crm_iap_lead_technology.py) instead of reading
        # every candidate. The statistics of the same expression (ANALYZE
        # fills them) tell the planner how common each name is: without
        # them it took a technology of 40% of the companies for one of 1%
        # and sorted them all instead of walking the picking index
        # (docs/performance.md).
        # pylint: disable-next=sql-injection  # a constant expression
        self.env.cr.execute(f"""
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_technologies_idx
                ON crm_iap_lead_directory_company USING gin (({technologies_sql("technologies")}))
             WHERE active AND register_status IS NULL AND technologies IS NOT NULL
        """)
        if self.env.cr._cnx.server_version >= 140000:  # statistics on an expression: PostgreSQL 14
            # pylint: disable-next=sql-injection  # a constant expression
            self.env.cr.execute(f"""
                CREATE STATISTICS IF NOT EXISTS crm_iap_lead_directory_company_technologies_stat
                    ON ({technologies_sql("technologies")}) FROM crm_iap_lead_directory_company
            """)
        # The price of a request: does the own directory (no register) have
        # companies in its countries? Small: register data is not in it.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_company_own_country_idx
                ON crm_iap_lead_directory_company (country_id) WHERE active AND register_code IS NULL
        """)

    @api.model
    def _default_company_id(self):
        """Shared (no company) for administrators; the others may only add their company's own."""
        if self.env.su or self.env.user.has_group("base.group_system"):
            return False
        return self.env.company

    @api.depends("name")
    def _compute_name_key(self):
        for company in self:
            company.name_key = name_key(company.name)

    @api.depends("contact_ids")
    def _compute_contact_count(self):
        # Only counted: a salesman may see the company, not its contacts.
        counts = dict(self.env["crm.iap.lead.directory.contact"].sudo()._read_group(
            [("directory_company_id", "in", self.ids)], ["directory_company_id"], ["__count"],
        ))
        for company in self:
            company.contact_count = counts.get(company._origin, 0)

    @api.constrains("state_id", "country_id")
    def _check_state_in_country(self):
        for company in self.filtered("state_id"):
            if company.state_id.country_id != company.country_id:
                raise ValidationError(_(
                    "%(company)s: the state %(state)s is not in %(country)s.",
                    company=company.name, state=company.state_id.name, country=company.country_id.name,
                ))

    def _check_register_fields(self, vals):
        """What only a register says (a company refusing advertising, by law;
        one on its way out) is never set by hand: the views show it read-only,
        and a write over RPC is refused too. Register imports write in SQL."""
        for name in REGISTER_SET_FIELDS:
            if name in vals and not self.env.su:
                raise AccessError(_("%(field)s is set by register imports only.",
                                    field=self._fields[name].get_description(self.env)["string"]))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_register_fields(vals)
            if vals.get("domain"):
                vals["domain"] = normalize_domain(vals["domain"])
        companies = super().create(vals_list)
        companies._set_default_revenue_currency()
        if any(vals.get("technologies") for vals in vals_list):
            self.env["crm.iap.lead.technology"]._trigger_refresh()
        return companies

    def write(self, vals):
        self._check_register_fields(vals)
        if vals.get("domain"):
            vals["domain"] = normalize_domain(vals["domain"])
        result = super().write(vals)
        if vals.get("estimated_revenue") and "revenue_currency_id" not in vals:
            self._set_default_revenue_currency()
        if {"technologies", "active", "company_id"} & set(vals):
            self.env["crm.iap.lead.technology"]._trigger_refresh()
        return result

    def _set_default_revenue_currency(self):
        """A revenue given without its currency is in the owner company's
        currency (as Odoo's amounts are in their company's), or, for a
        shared company, in its country's; else the current company's."""
        by_currency = {}
        for company in self.filtered(lambda c: c.estimated_revenue and not c.revenue_currency_id):
            currency = (company.company_id.currency_id or company.country_id.currency_id
                        or self.env.company.currency_id)
            by_currency.setdefault(currency, self.browse())
            by_currency[currency] |= company
        for currency, companies in by_currency.items():
            companies.revenue_currency_id = currency

    def get_import_templates(self):
        return [{
            "label": _("Import Template for the Company Directory"),
            "template": "/crm_iap_mine/static/xls/crm_iap_lead_directory_company.csv",
        }]

    def _to_service_data(self, contact_ids):
        """The answer shape of the IAP service, one item per company, in the
        order of `self`, with the contacts {company id: [contact ids]}.

        Two queries whatever the number of companies and contacts: a mined
        request of 200 companies with 5 contacts each reads a thousand
        contacts, which field by field through the ORM was a large share of
        its time."""
        if not self:
            return []
        self.env.flush_all()
        cr = self.env.cr
        industry_name = self._translated_sql("crm.iap.lead.industry", "i")
        country_name = self._translated_sql("res.country", "country")
        cr.execute(f"""
            SELECT c.id, c.name, c.legal_name, c.domain, c.emails, c.phones, c.street, c.city, c.zip,
                   state.code, state.name, country.code, {country_name}, c.description, c.founded_year,
                   c.employees, c.estimated_revenue, {industry_name}, c.technologies, c.timezone,
                   c.twitter, c.facebook, c.linkedin, c.crunchbase, c.register_number
              FROM crm_iap_lead_directory_company c
              JOIN res_country country ON country.id = c.country_id
              LEFT JOIN res_country_state state ON state.id = c.state_id
              LEFT JOIN crm_iap_lead_industry i ON i.id = c.industry_id
             WHERE c.id = ANY(%s)
        """, (self.ids,))
        companies = {row[0]: row for row in cr.fetchall()}
        people = {}
        wanted = [contact_id for ids in contact_ids.values() for contact_id in ids]
        if wanted:
            cr.execute("""
                SELECT p.id, p.directory_company_id, p.name, p.title, p.email, p.phone, r.reveal_id, s.reveal_id
                  FROM crm_iap_lead_directory_contact p
                  LEFT JOIN crm_iap_lead_role r ON r.id = p.role_id
                  LEFT JOIN crm_iap_lead_seniority s ON s.id = p.seniority_id
                 WHERE p.id = ANY(%s)
            """, (wanted,))
            people = {row[0]: row for row in cr.fetchall()}
        items = []
        for company_id in self.ids:
            (_id, name, legal_name, domain, emails, phones, street, city, zip_code, state_code, state_name,
             country_code, country, description, founded_year, employees, revenue, industry, technologies,
             timezone, twitter, facebook, linkedin, crunchbase, register_number) = (value or False for value in companies[company_id])
            items.append({
                "company_data": {
                    "clearbit_id": f"directory-{company_id}",
                    "name": name,
                    "legal_name": legal_name or name,
                    "domain": domain,
                    "email": _split(emails),
                    "phone_numbers": _split(phones),
                    "phone": False,
                    "location": street,
                    "city": city,
                    "postal_code": zip_code,
                    "state_code": state_code,
                    "state_name": state_name,
                    "country_code": country_code,
                    "country_name": country,
                    "description": description,
                    "founded_year": founded_year,
                    "employees": employees,
                    "estimated_annual_revenue": f"{revenue:,.0f}" if revenue else False,
                    "sector": industry,
                    "industry": industry,
                    "tech": _split(technologies),
                    "timezone": timezone,
                    "twitter": twitter,
                    "facebook": facebook,
                    "linkedin": linkedin,
                    "crunchbase": crunchbase,
                    "logo": False,
                    # A register company's number, written on its lead.
                    "company_registry": register_number,
                },
                "people_data": [{
                    "full_name": full_name or False,
                    "title": title or False,
                    "email": email or False,
                    "phone": phone or False,
                    "role": role or False,
                    "seniority": seniority or False,
                } for _pid, _cid, full_name, title, email, phone, role, seniority in (
                    people[contact_id] for contact_id in contact_ids.get(company_id, ()) if contact_id in people)],
            })
        return items

    def _translated_sql(self, model, alias):
        """SQL of the name of `model` (a translated field) in the user's language, as the ORM reads it."""
        langs = self.env[model]._fields["name"].get_translation_fallback_langs(self.env)
        return "COALESCE(" + ", ".join(f"{alias}.name->>'{lang}'" for lang in langs) + ")"


def _split(value):
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]
