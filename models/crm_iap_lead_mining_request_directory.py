"""The *Company directory* provider: mine the company's own list of companies."""
import hashlib
from dataclasses import dataclass, replace

from odoo import api, fields, models

from ..tools.protocols import MiningResult
from ..tools.registers import ADAPTERS
from .crm_iap_lead_mining_request import CREDITS_PER_COMPANY

MAX_LEADS_PER_REQUEST = 10000
SHUFFLE_KEYS = 2 ** 31  # shuffle_key is drawn in [0, SHUFFLE_KEYS)
PROVIDER = "directory"


def shuffle_start(seed):
    """Where a search starts the shuffle: the same for every batch of one
    request (its seed), another for the next request."""
    return int(hashlib.sha256(str(seed).encode()).hexdigest()[:8], 16) % SHUFFLE_KEYS


@dataclass
class DirectorySearch:
    """What to pick from the directory, whoever asks: a request of this
    database (`_directory_search`) or a client of the lead-mining service."""

    company_id: int
    country_ids: list
    limit: int
    seed: str
    state_ids: list = ()
    state_country_ids: list = ()
    industry_ids: list = ()
    size_range: tuple = None
    people: bool = False
    # Contacts: of this seniority, or else of these roles (preferred first).
    seniority_id: int = None
    role_ids: list = ()
    preferred_role_id: int = 0
    contact_number: int = 0
    # A request never picks its own earlier companies again (background batches).
    request_id: int = None
    # A service client never gets the same company twice.
    service_client_id: int = None
    # Known companies, left out before picking and counted: the CRM of this
    # company (a request), or these directory ids (what a client revealed).
    crm_company_id: int = None
    known_ids: list = ()


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    provider = fields.Selection(
        selection_add=[(PROVIDER, "Company directory")], ondelete={PROVIDER: "set default"},
    )

    def _is_provider_usable(self):
        if self.provider != PROVIDER:
            return super()._is_provider_usable()
        return bool(self.env["crm.iap.lead.directory.company"].search_count(
            [("company_id", "in", [False, self.company_id.id])], limit=1,
        ))

    def _supports_background(self):
        return self.provider == PROVIDER or super()._supports_background()

    def _get_max_lead_number(self):
        if self.provider != PROVIDER:
            return super()._get_max_lead_number()
        return MAX_LEADS_PER_REQUEST

    def _get_credit_balance(self):
        if self.provider != PROVIDER:
            return super()._get_credit_balance()
        return self.env["crm.iap.lead.credit.line"]._get_balance(self.company_id, PROVIDER)

    def _action_buy_credits(self):
        if self.provider != PROVIDER:
            return super()._action_buy_credits()
        action = self.env["ir.actions.actions"]._for_xml_id("crm_iap_mine.crm_iap_lead_credit_topup_action")
        action["context"] = {"default_company_id": self.company_id.id, "default_provider": PROVIDER}
        return action

    def _fetch_companies(self):
        """Pick the next new companies, debit them and mark them delivered, at once."""
        if self.provider != PROVIDER:
            return super()._fetch_companies()
        search = self._directory_search()
        known_by_number = self._directory_known_by_number(search)
        # Picked beyond the limit by as many as are known by number, then
        # left out: the request still gets the number of new companies asked.
        company_ids, excluded = self._directory_pick_companies(
            replace(search, limit=search.limit + len(known_by_number)))
        company_ids = [company_id for company_id in company_ids if company_id not in known_by_number]
        company_ids = company_ids[:search.limit]
        excluded += len(known_by_number)
        contacts = self._directory_pick_contacts(company_ids, search) if search.people else {}
        contact_count = sum(len(found) for found in contacts.values())
        company_credits = self._directory_company_credits(company_ids)
        cost = company_credits + contact_count
        self.env["crm.iap.lead.credit.line"]._record(
            self.company_id, PROVIDER,
            [(-company_credits, "companies"), (-contact_count, "contacts")] + self._use_held_credits(cost),
            request=self,
        )
        self._directory_mark_delivered(company_ids, request_id=self.id)
        companies = self.env["crm.iap.lead.directory.company"].browse(company_ids)
        if not self.mined_count:
            # Later batches would count this request's own earlier leads.
            self.excluded_count = excluded
        return MiningResult(
            items=companies._to_service_data(contacts), charged=cost,
        )

    def _directory_company_credits(self, company_ids):
        """What these companies cost: 1 credit each, or their register's price."""
        self.env.cr.execute("""
            SELECT register_code, count(*) FROM crm_iap_lead_directory_company
             WHERE id = ANY(%s) GROUP BY register_code
        """, (company_ids,))
        return sum(count * self._directory_price(register_code) for register_code, count in self.env.cr.fetchall())

    def _directory_price(self, register_code):
        """Credits per company of a register (None: the company's own directory).

        Public registers are free data: their price is the system parameter
        `crm_iap_mine.register_credits_per_company.<register>`, 0 by default.
        """
        if not register_code:
            return CREDITS_PER_COMPANY
        price = self.env["ir.config_parameter"].sudo().get_param(
            f"crm_iap_mine.register_credits_per_company.{register_code}", "0")
        return max(int(price or 0), 0)

    def _company_credit_price(self):
        """Override: the dearest source the request's countries hold.

        The own directory costs 1 credit a company when it has companies
        there; each register its price when it covers one of the countries.
        A reservation made from this is never short, and free register data
        reserves nothing.
        """
        if self.provider != PROVIDER:
            return super()._company_credit_price()
        if not self.country_ids:
            return CREDITS_PER_COMPANY
        country_codes = set(self.country_ids.mapped("code"))
        prices = [self._directory_price(code) for code, adapter in ADAPTERS.items()
                  if adapter.country_code in country_codes]
        # Only own companies (no register) can cost 1: a probe of their index.
        self.env["crm.iap.lead.directory.company"].flush_model(["active", "register_code", "country_id", "company_id"])
        self.env.cr.execute("""
            SELECT EXISTS (SELECT 1 FROM crm_iap_lead_directory_company
                            WHERE active AND register_code IS NULL AND country_id = ANY(%s)
                              AND (company_id IS NULL OR company_id = %s))
        """, (self.country_ids.ids, self.company_id.id))
        if self.env.cr.fetchone()[0]:
            prices.append(CREDITS_PER_COMPANY)
        return max(prices, default=0)

    # ------------------------------------------------------------------
    # Picking, in SQL (shared with the lead-mining service)
    # ------------------------------------------------------------------

    def _directory_search(self):
        """The request's filters as a DirectorySearch."""
        self.ensure_one()
        people = self.search_type == "people"
        by_seniority = people and self.contact_filter_type == "seniority"
        return DirectorySearch(
            company_id=self.company_id.id,
            country_ids=self.country_ids.ids,
            limit=self._next_batch_size(),
            seed=str(self.id),
            state_ids=self.state_ids.ids,
            state_country_ids=self.state_ids.country_id.ids,
            industry_ids=self.industry_ids.ids,
            size_range=(self.company_size_min, self.company_size_max) if self.filter_on_size else None,
            people=people,
            seniority_id=self.seniority_id.id if by_seniority else None,
            role_ids=(self.preferred_role_id | self.role_ids).ids,
            preferred_role_id=self.preferred_role_id.id or 0,
            contact_number=self.contact_number,
            request_id=self.id,
            crm_company_id=self.company_id.id,
        )

    @api.model
    def _directory_filters(self, search):
        """(SQL conditions on `c`, params) for every filter of `search`."""
        conditions = [
            "c.active",
            "(c.company_id IS NULL OR c.company_id = %(company)s)",
            "c.country_id = ANY(%(countries)s)",
        ]
        params = {"company": search.company_id, "countries": list(search.country_ids)}
        if search.request_id:
            # Resuming a background request never picks its own companies again.
            conditions.append("c.last_request_id IS DISTINCT FROM %(request)s")
            params["request"] = search.request_id
        if search.service_client_id:
            conditions.append("""NOT EXISTS (
                SELECT 1 FROM crm_iap_lead_service_call_delivery d
                  JOIN crm_iap_lead_service_call call ON call.id = d.call_id
                 WHERE d.company_id = c.id AND call.client_id = %(service_client)s)""")
            params["service_client"] = search.service_client_id
        if search.state_ids:
            # States narrow their own country only; other countries stay whole.
            conditions.append("(c.state_id = ANY(%(states)s) OR c.country_id != ALL(%(state_countries)s))")
            params.update(states=list(search.state_ids), state_countries=list(search.state_country_ids))
        if search.industry_ids:
            conditions.append("c.industry_id = ANY(%(industries)s)")
            params["industries"] = list(search.industry_ids)
        if search.size_range:
            conditions.append("c.employees BETWEEN %(size_min)s AND %(size_max)s")
            params.update(size_min=search.size_range[0], size_max=search.size_range[1])
        return " AND ".join(conditions), params

    @api.model
    def _directory_has_contacts_condition(self, search):
        """(SQL expression on `c`: the company has a contact to deliver, params),
        TRUE when contacts are not asked for."""
        if not search.people:
            return "TRUE", {}
        contact_condition, contact_params = self._directory_contact_filter(search)
        # LIMIT 1 keeps this a probe of the contact index per company: an
        # EXISTS may be planned as a hash of every matching contact.
        return f"""COALESCE((SELECT TRUE FROM crm_iap_lead_directory_contact p
                              WHERE p.directory_company_id = c.id AND {contact_condition}
                              LIMIT 1), FALSE)""", contact_params

    @api.model
    def _directory_contact_filter(self, search):
        condition = """p.active AND NOT COALESCE(p.do_not_contact, FALSE) AND NOT EXISTS (
            SELECT 1 FROM mail_blacklist b WHERE b.active AND b.email = lower(trim(p.email)))"""
        if search.seniority_id:
            return f"{condition} AND p.seniority_id = %(seniority)s", {"seniority": search.seniority_id}
        return f"{condition} AND p.role_id = ANY(%(roles)s)", {"roles": list(search.role_ids)}

    @api.model
    def _directory_known_condition(self, search):
        """(SQL expression on `c`: the company is known, params)."""
        if search.crm_company_id:
            # Known companies are found by probing the dedupe indexes for each
            # candidate (LIMIT 1 keeps the probe per row: an EXISTS would be
            # turned into a hash of every domain of the CRM, built each time).
            # Website and e-mail domains both: delivery recognises a company by
            # either, and a company skipped there must not be picked (and charged).
            dedupe = self.env["crm.iap.lead.dedupe"]
            known_sql, known_params = dedupe._known_domains_sql(self.env["res.company"].browse(search.crm_company_id))
            return f"""COALESCE((
                SELECT TRUE FROM ({known_sql}) k
                 WHERE k.domain = ANY({dedupe._company_domains_sql("c.domain", "c.emails")}) LIMIT 1
            ), FALSE)""", known_params
        return "c.id = ANY(%(known_ids)s)", {"known_ids": list(search.known_ids)}

    @api.model
    def _directory_known_by_number(self, search):
        """Ids of the register companies `search` would find that the CRM
        knows by their register number (a partner's Company ID, or its Tax
        ID where the number is part of it), and not already by a domain.

        One query per batch, driven by the partners that have such a number.
        """
        registers = [(code, adapter) for code, adapter in ADAPTERS.items()
                     if adapter.registry_number_sql or adapter.vat_number_sql]
        if not search.crm_company_id or not registers:
            return set()
        numbers = []
        params = {"crm_company": search.crm_company_id}
        for code, adapter in registers:
            params[f"country_{code}"] = adapter.country_code
            for expression, condition in (
                    (adapter.registry_number_sql, f"""p.company_registry IS NOT NULL AND (p.country_id IS NULL
                        OR p.country_id = (SELECT id FROM res_country WHERE code = %(country_{code})s))"""),
                    (adapter.vat_number_sql, "p.vat IS NOT NULL")):
                if expression:
                    numbers.append(f"""
                        SELECT '{code}' AS register_code, {expression} AS number FROM res_partner p
                         WHERE {condition} AND (p.company_id IS NULL OR p.company_id = %(crm_company)s)""")
        filters, filter_params = self._directory_filters(search)
        known_sql, known_params = self._directory_known_condition(search)
        params.update(filter_params, **known_params)
        self.env.flush_all()
        self.env.cr.execute(f"""
            SELECT c.id FROM crm_iap_lead_directory_company c
              JOIN ({" UNION ".join(numbers)}) k
                ON k.register_code = c.register_code AND k.number = c.register_number
             WHERE {filters} AND NOT {known_sql}
        """, params)
        return {company_id for company_id, in self.env.cr.fetchall()}

    @api.model
    def _directory_pick_companies(self, search):
        """Ids of the companies to deliver, and how many known ones were skipped.

        Order: least delivered, then longest ago, then a shuffle: each
        company's random `shuffle_key`, from a starting point drawn from the
        search's seed and wrapping around. PostgreSQL reads that order from
        two indexes (never delivered companies, by key alone; delivered ones,
        by rotation then key) and stops at the window (or, for a rare filter,
        sorts the few candidates), instead of ranking every candidate.

        Companies without a contact to deliver (when contacts are asked for)
        and companies the CRM already knows are passed over, so the user
        gets the number of *new* companies asked for; the known ones passed
        over are counted. Both checks are index probes per company, so they
        are asked of the first companies of the order only: a window a
        little larger than the request, widened while too few pass.
        """
        self.env.flush_all()
        filters, params = self._directory_filters(search)
        contacts_sql, contacts_params = self._directory_has_contacts_condition(search)
        known_sql, known_params = self._directory_known_condition(search)
        params.update(contacts_params)
        params.update(known_params, start=shuffle_start(search.seed))
        order = "c.delivery_count, c.last_delivered_date NULLS FIRST, c.wrapped, c.shuffle_key"

        def part(delivered, condition):
            # The first companies of one part, in index order: never or already
            # delivered, keys from the start on or before it (the wrap).
            rotation = "c.delivery_count, c.last_delivered_date NULLS FIRST, " if delivered else ""
            return f"""(SELECT c.id, c.domain, c.emails, c.delivery_count, c.last_delivered_date, c.shuffle_key,
                               c.shuffle_key < %(start)s AS wrapped
                          FROM crm_iap_lead_directory_company c
                         WHERE {filters} AND c.delivery_count {"> 0" if delivered else "= 0"}
                           AND c.shuffle_key {condition} %(start)s
                      ORDER BY {rotation}c.shuffle_key
                         LIMIT %(window)s)"""

        parts = " UNION ALL ".join(part(delivered, condition) for delivered in (False, True) for condition in (">=", "<"))
        window = max(2 * search.limit, 50)
        while True:
            # Each level is fenced (LIMIT, OFFSET 0, CASE): the contact probe runs
            # once per company of the window, the known probe on those with contacts.
            self.env.cr.execute(f"""
                SELECT c.id, c.has_contacts, CASE WHEN c.has_contacts THEN {known_sql} END AS is_known
                  FROM (SELECT c.*, {contacts_sql} AS has_contacts
                          FROM (SELECT * FROM ({parts}) AS c
                              ORDER BY {order}
                                 LIMIT %(window)s) AS c  -- the candidate window
                        OFFSET 0) AS c
              ORDER BY {order}
            """, dict(params, window=window))
            rows = self.env.cr.fetchall()
            company_ids, skipped = [], 0
            for company_id, has_contacts, is_known in rows:
                if len(company_ids) == search.limit:
                    break
                if has_contacts and is_known:
                    skipped += 1
                elif has_contacts:
                    company_ids.append(company_id)
            if len(company_ids) == search.limit or len(rows) < window:
                return company_ids, skipped
            # Widen by what the window yielded: one pass more, most of the time.
            window = max(4 * window, int(window * search.limit / max(len(company_ids), 1) * 1.3))

    @api.model
    def _directory_pick_contacts(self, company_ids, search):
        """{company id: contacts}, at most `contact_number` each, preferred role first."""
        if not company_ids:
            return {}
        condition, params = self._directory_contact_filter(search)
        params.update(companies=company_ids, per_company=search.contact_number,
                      preferred=search.preferred_role_id or 0)
        self.env.cr.execute(f"""
            SELECT directory_company_id, id FROM (
                SELECT p.directory_company_id, p.id, row_number() OVER (
                           PARTITION BY p.directory_company_id
                           ORDER BY p.role_id IS NOT DISTINCT FROM %(preferred)s DESC, p.id) AS rank
                  FROM crm_iap_lead_directory_contact p
                 WHERE p.directory_company_id = ANY(%(companies)s) AND {condition}
            ) ranked WHERE rank <= %(per_company)s
        """, params)
        contact_ids = {}
        for company_id, contact_id in self.env.cr.fetchall():
            contact_ids.setdefault(company_id, []).append(contact_id)
        # One prefetch set for all: reading them is one query, not one per company.
        prefetch = tuple(contact_id for ids in contact_ids.values() for contact_id in ids)
        Contact = self.env["crm.iap.lead.directory.contact"]
        return {company_id: Contact.browse(ids).with_prefetch(prefetch) for company_id, ids in contact_ids.items()}

    @api.model
    def _directory_mark_delivered(self, company_ids, request_id=None):
        """Count a delivery of these companies, for the fair rotation."""
        if not company_ids:
            return
        self.env.cr.execute("""
            UPDATE crm_iap_lead_directory_company
               SET delivery_count = delivery_count + 1,
                   last_delivered_date = clock_timestamp() at time zone 'UTC',
                   last_request_id = COALESCE(%s, last_request_id)
             WHERE id = ANY(%s)
        """, (request_id, company_ids))
        self.env["crm.iap.lead.directory.company"].invalidate_model(
            ["delivery_count", "last_delivered_date", "last_request_id"])
