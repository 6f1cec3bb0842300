"""The directory engine: which companies of the directory to deliver, and
the one delivery pipeline (pick → contacts → price → ledger → mark
delivered) shared by the *Company directory* provider and the lead-mining
service. Everything here is SQL on the directory tables; who asks (a
request of this database, a client of the service) is described by a
`DirectorySearch`, and what it pays by a `DirectoryPrices`."""
import hashlib
from dataclasses import dataclass, field, replace
from datetime import date

from odoo import api, models

from ..tools.lookalike import RANK_TABLE
from ..tools.registers import ADAPTERS
from .crm_iap_lead_dedupe import DIRECTORY_REVEAL_SQL
from .crm_iap_lead_technology import technologies_sql

SHUFFLE_KEYS = 2 ** 31  # shuffle_key is drawn in [0, SHUFFLE_KEYS)
# {(database, contacts asked): share of the companies of the last window that
# could be delivered}: where the next pick starts its window, so that a search
# for contacts (most companies have none of the roles asked) takes one pass
# instead of two. Only the speed depends on it, never which companies.
_window_yield = {}
MAX_LEARNED_WINDOW = 40  # times the number of companies asked


def shuffle_start(seed):
    """Where a search starts the shuffle: the same for every batch of one
    request (its seed), another for the next request."""
    return int(hashlib.sha256(str(seed).encode()).hexdigest()[:8], 16) % SHUFFLE_KEYS


@dataclass
class DirectorySearch:
    """What to pick from the directory, whoever asks: a request of this
    database or a client of the lead-mining service."""

    company_id: int
    country_ids: list
    limit: int
    seed: str
    state_ids: list = ()
    state_country_ids: list = ()
    industry_ids: list = ()
    size_range: tuple = None
    # Founded from the first to the last day (either None: open), or None:
    # any. The lead-mining service's protocols cannot carry it.
    founded_range: tuple = None
    # The estimated revenue, [(currency id, least, most or None)]: the range
    # in each currency the directory holds revenues in (`_revenue_bounds`),
    # or None: any. A company without a revenue matches only None.
    revenue_bounds: list = None
    # Normalised technology names (crm.iap.lead.technology): a company using
    # any of them, or all of them (`all_technologies`); empty: any.
    technologies: list = ()
    all_technologies: bool = False
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
    # Most like the won deals: the id of the learned profile
    # (crm.iap.lead.lookalike) whose ranks order the picking; None: rotation.
    ranking: int = None
    # Filled by the picking: {"candidates": n} once it has seen every
    # candidate (fewer than asked): how many companies match the filters.
    stats: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DirectoryPrices:
    """What one company (by its register, None for the company's own
    directory) and one contact cost whoever is charged."""

    company: object  # callable(register_code or None) -> credits
    contact: int


@dataclass
class Delivery:
    """The companies picked for one search, their contacts and their price."""

    company_ids: list
    contacts: dict  # {company id: [contact ids]}
    excluded: int  # known companies passed over
    # Companies matching the filters, when the picking saw them all (it
    # delivers fewer than asked): no count query of its own. None otherwise.
    matching: int = None
    company_credits: int = 0
    contact_count: int = 0
    contact_credits: int = 0
    movements: list = field(default_factory=list)  # the ledger's [(amount, reason)]

    @property
    def cost(self):
        return self.company_credits + self.contact_credits


class CrmIapLeadDirectorySearch(models.AbstractModel):
    _name = "crm.iap.lead.directory.search"
    _description = "Company Directory Search"

    # ------------------------------------------------------------------
    # The delivery pipeline
    # ------------------------------------------------------------------

    @api.model
    def _deliver(self, search, prices, charge):
        """Pick the companies of `search` with their contacts, price them,
        have `charge(delivery)` record them in the ledger (it may refuse by
        raising: nothing is marked delivered then), and mark them delivered.

        The engine's own SQL is a fixed number of queries whatever the size
        of the search: one to find the companies the CRM knows by number, one
        or two to pick, one for the contacts, one to price, one to mark.

        :return: the `Delivery`
        """
        search.stats.clear()
        known_by_number = self._known_by_number(search)
        # Picked beyond the limit by as many as are known by number, then
        # left out: the search still gets the number of new companies asked.
        company_ids, excluded = self._pick_companies(replace(search, limit=search.limit + len(known_by_number)))
        company_ids = [company_id for company_id in company_ids if company_id not in known_by_number]
        company_ids = company_ids[:search.limit]
        delivery = Delivery(company_ids, self._pick_contacts(company_ids, search) if search.people else {},
                            excluded + len(known_by_number), matching=search.stats.get("candidates"))
        delivery.contact_count = sum(len(found) for found in delivery.contacts.values())
        delivery.company_credits = self._company_credits(company_ids, prices.company)
        delivery.contact_credits = delivery.contact_count * prices.contact
        delivery.movements = [(-delivery.company_credits, "companies"), (-delivery.contact_credits, "contacts")]
        charge(delivery)
        self._mark_delivered(company_ids, request_id=search.request_id)
        return delivery

    @api.model
    def _company_credits(self, company_ids, company_price):
        """What these companies cost, each at the price of its register."""
        if not company_ids:
            return 0
        self.env.cr.execute("""
            SELECT register_code, count(*) FROM crm_iap_lead_directory_company
             WHERE id = ANY(%s) GROUP BY register_code
        """, (company_ids,))
        return sum(count * company_price(register_code) for register_code, count in self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # Filters
    # ------------------------------------------------------------------

    @api.model
    def _filters(self, search):
        """(SQL conditions on `c`, params) for every filter of `search`."""
        conditions = [
            "c.active",
            # On its way out (bankrupt, in liquidation...): kept, never delivered.
            "c.register_status IS NULL",
            # Refuses advertising (Denmark's reklamebeskyttelse): a legal duty, never delivered.
            "c.advertising_protected IS NOT TRUE",
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
            # A band (employees to employees_max) matches when it overlaps the
            # range; an exact figure has no employees_max.
            conditions.append("c.employees <= %(size_max)s AND COALESCE(c.employees_max, c.employees) >= %(size_min)s")
            params.update(size_min=search.size_range[0], size_max=search.size_range[1])
        if search.revenue_bounds is not None:
            condition, revenue_params = self._revenue_condition(search.revenue_bounds)
            conditions.append(condition)
            params.update(revenue_params)
        if search.technologies:
            conditions.append(self._technologies_condition(search))
            params["technologies"] = list(search.technologies)
        if search.founded_range:
            condition, founded_params = self._founded_condition(*search.founded_range)
            conditions.append(condition)
            params.update(founded_params)
        return " AND ".join(conditions), params

    @api.model
    def _founded_condition(self, first, last):
        """(SQL condition on `c`, params): founded from `first` to `last`
        (either None: open). A company known by its founding date matches
        when the date is in the range; one known only by its year when the
        whole year is (founded "in 2019" is neither inside nor outside March
        2019: never delivered as founded there); one of unknown founding never.
        Plain comparisons, so that an index on `founded_date` serves them."""
        first, last = first or date.min, last or date.max
        params = {"founded_from": first, "founded_to": last}
        condition = "c.founded_date BETWEEN %(founded_from)s AND %(founded_to)s"
        # The years that lie whole within the range.
        year_from = first.year + ((first.month, first.day) != (1, 1))
        year_to = last.year - ((last.month, last.day) != (12, 31))
        if year_from <= year_to:
            condition = f"""({condition} OR (c.founded_date IS NULL
                AND c.founded_year BETWEEN %(founded_year_from)s AND %(founded_year_to)s))"""
            params.update(founded_year_from=year_from, founded_year_to=year_to)
        return condition, params

    @api.model
    def _technologies_condition(self, search):
        """SQL condition on `c`: uses any (or all) of %(technologies)s, the
        expression of the directory's GIN index (and of its statistics), so
        a rare technology is read from it. (The index's `technologies IS NOT
        NULL` follows from the expression: no condition of its own, which
        the planner would count as narrowing further.)"""
        return f"""({technologies_sql("c.technologies")}
                    {"@>" if search.all_technologies else "&&"} %(technologies)s::text[])"""

    @api.model
    def _revenue_condition(self, bounds):
        """(SQL condition on `c`, params): a revenue within the bounds of
        its currency, [(currency id, least, most or None)]."""
        terms, params = [], {}
        for index, (currency_id, least, most) in enumerate(bounds):
            params.update({f"revenue_currency_{index}": currency_id, f"revenue_min_{index}": least,
                           f"revenue_max_{index}": most})
            term = f"c.revenue_currency_id = %(revenue_currency_{index})s AND c.estimated_revenue >= %(revenue_min_{index})s"
            if most is not None:
                term += f" AND c.estimated_revenue <= %(revenue_max_{index})s"
            terms.append(f"({term})")
        # 0 is an unknown revenue (the ORM stores no empty number).
        return f"(c.estimated_revenue > 0 AND ({' OR '.join(terms) or 'FALSE'}))", params

    @api.model
    def _revenue_bounds(self, least, most, currency, company, country_ids, date):
        """The revenue range `least` to `most` (None: no maximum) in
        `currency`, converted by Odoo's rates of `company` at `date` into
        each currency the deliverable companies of these countries hold
        revenues in: once per search, for `_revenue_condition`."""
        self.env.cr.execute("""
            SELECT DISTINCT revenue_currency_id FROM crm_iap_lead_directory_company
             WHERE active AND register_status IS NULL AND estimated_revenue > 0 AND country_id = ANY(%s)
               AND revenue_currency_id IS NOT NULL AND (company_id IS NULL OR company_id = %s)
        """, (list(country_ids), company.id))
        bounds = []
        for target in self.env["res.currency"].browse([row[0] for row in self.env.cr.fetchall()]):
            bounds.append((target.id, currency._convert(least, target, company, date, round=False),
                           None if most is None else currency._convert(most, target, company, date, round=False)))
        return bounds

    @api.model
    def _has_contacts_condition(self, search):
        """(SQL expression on `c`: the company has a contact to deliver, params),
        TRUE when contacts are not asked for."""
        if not search.people:
            return "TRUE", {}
        contact_condition, contact_params = self._contact_filter(search)
        # LIMIT 1 keeps this a probe of the contact index per company: an
        # EXISTS may be planned as a hash of every matching contact.
        return f"""COALESCE((SELECT TRUE FROM crm_iap_lead_directory_contact p
                              WHERE p.directory_company_id = c.id AND {contact_condition}
                              LIMIT 1), FALSE)""", contact_params

    @api.model
    def _contact_filter(self, search):
        condition = """p.active AND NOT COALESCE(p.do_not_contact, FALSE) AND NOT EXISTS (
            SELECT 1 FROM mail_blacklist b WHERE b.active AND b.email = lower(trim(p.email)))"""
        if search.seniority_id:
            return f"{condition} AND p.seniority_id = %(seniority)s", {"seniority": search.seniority_id}
        return f"{condition} AND p.role_id = ANY(%(roles)s)", {"roles": list(search.role_ids)}

    # ------------------------------------------------------------------
    # Known companies
    # ------------------------------------------------------------------

    @api.model
    def _known_condition(self, search):
        """(SQL expression on `c`: the company is known, params)."""
        if search.crm_company_id:
            # Known companies are found by probing the dedupe indexes for each
            # candidate (LIMIT 1 keeps the probe per row: an EXISTS would be
            # turned into a hash of every domain of the CRM, built each time).
            # Website and e-mail domains both: delivery recognises a company by
            # either, and a company skipped there must not be picked (and charged).
            # A lead mined from this very company is probed first: register
            # companies often have no domain to be recognised by.
            dedupe = self.env["crm.iap.lead.dedupe"]
            known_sql, known_params = dedupe._known_domains_sql(self.env["res.company"].browse(search.crm_company_id))
            return f"""({DIRECTORY_REVEAL_SQL} OR COALESCE((
                SELECT TRUE FROM ({known_sql}) k
                 WHERE k.domain = ANY({dedupe._company_domains_sql("c.domain", "c.emails")}) LIMIT 1
            ), FALSE))""", known_params
        return "c.id = ANY(%(known_ids)s)", {"known_ids": list(search.known_ids)}

    @api.model
    def _known_by_number(self, search):
        """Ids of the register companies `search` would find that the CRM
        knows by their register number (a partner's Company ID, or its Tax
        ID where the number is part of it; a lead's Company ID, written when
        it was mined: archived and lost leads included), and not already by
        a domain or as the lead mined from it.

        One query per batch, driven by the partners and leads that have such
        a number.
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
            if adapter.registry_number_sql:
                # Leads have a Company ID and a country too (no Tax ID).
                numbers.append(f"""
                    SELECT '{code}', {adapter.registry_number_sql} FROM crm_lead p
                     WHERE p.company_registry IS NOT NULL AND (p.country_id IS NULL
                           OR p.country_id = (SELECT id FROM res_country WHERE code = %(country_{code})s))
                       AND (p.company_id IS NULL OR p.company_id = %(crm_company)s)""")
        filters, filter_params = self._filters(search)
        known_sql, known_params = self._known_condition(search)
        params.update(filter_params, **known_params)
        self.env.flush_all()
        # Off for this query as for the picking (see there): with many leads
        # holding a number, JIT compilation took seconds of a 0.3 s query.
        self.env.cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = self.env.cr.fetchone()[0]
        self.env.cr.execute(f"""
            SELECT c.id FROM crm_iap_lead_directory_company c
              JOIN ({" UNION ".join(numbers)}) k
                ON k.register_code = c.register_code AND k.number = c.register_number
             WHERE {filters} AND NOT {known_sql}
        """, params)
        known = {company_id for company_id, in self.env.cr.fetchall()}
        self.env.cr.execute("SELECT set_config('jit', %s, true)", [jit])
        return known

    # ------------------------------------------------------------------
    # Picking
    # ------------------------------------------------------------------

    @api.model
    def _pick_companies(self, search):
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
        filters, params = self._filters(search)
        contacts_sql, contacts_params = self._has_contacts_condition(search)
        known_sql, known_params = self._known_condition(search)
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
        every_profile = True
        if search.ranking:
            order = "c.rank, c.delivery_count, c.wrapped, c.shuffle_key"
        learned = _window_yield.get((self.env.cr.dbname, search.people))
        if learned:
            window = max(window, min(int(search.limit / learned * 1.3), MAX_LEARNED_WINDOW * search.limit))
        # PostgreSQL's JIT compiler judges this query by its estimated cost
        # (the probes make it look expensive) and, above its thresholds,
        # spends more time optimising code (about 400 ms) than the query
        # takes to run (50 ms): off for the picking, restored after.
        self.env.cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        jit = self.env.cr.fetchone()[0]
        while True:
            if search.ranking:
                # The best profiles holding about twice the window (whole groups
                # of equal score), their companies in rotation order each.
                profile_keys, ranks, every_profile = self._ranked_profiles(search, 2 * window)
                params.update(profile_keys=profile_keys, profile_ranks=ranks)
                parts = self._ranked_parts_sql(filters)
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
            company_ids, skipped, examined = [], 0, 0
            for company_id, has_contacts, is_known in rows:
                if len(company_ids) == search.limit:
                    break
                examined += 1
                if has_contacts and is_known:
                    skipped += 1
                elif has_contacts:
                    company_ids.append(company_id)
            if len(company_ids) == search.limit or (len(rows) < window and every_profile):
                if len(rows) < window:  # the window held every candidate
                    search.stats["candidates"] = len(rows)
                if company_ids:
                    _window_yield[(self.env.cr.dbname, search.people)] = len(company_ids) / examined
                self.env.cr.execute("SELECT set_config('jit', %s, true)", [jit])
                return company_ids, skipped
            # Widen by what the window yielded: one pass more, most of the time.
            window = max(4 * window, int(window * search.limit / max(len(company_ids), 1) * 1.3))

    @api.model
    def _ranked_profiles(self, search, companies):
        """([profile key], [rank], whether these are all the profiles): the
        profiles of the directory that the filters of `search` can match, best
        first (ranked when the profile learned: equal scores, one rank), the
        first ones until they hold about `companies` companies, whole ranks.

        The combinations of attribute values, read in rank order from an
        index: a few hundred rows where the directory has millions of
        companies, ranked once a day, not at each request."""
        conditions = ["r.lookalike_id = %(lookalike)s", "r.country = ANY(%(profile_countries)s)"]
        params = {"lookalike": search.ranking,
                  "profile_countries": [str(country_id) for country_id in search.country_ids]}
        if search.state_ids:
            conditions.append("(r.state = ANY(%(profile_states)s) OR r.country != ALL(%(profile_state_countries)s))")
            params.update(profile_states=[str(state_id) for state_id in search.state_ids],
                          profile_state_countries=[str(country_id) for country_id in search.state_country_ids])
        if search.industry_ids:
            conditions.append("r.industry = ANY(%(profile_industries)s)")
            params["profile_industries"] = [str(industry_id) for industry_id in search.industry_ids]
        limit = 1000
        while True:
            # pylint: disable-next=sql-injection  # the module's own SQL
            self.env.cr.execute(f"""
                SELECT r.profile_key, r.company_count, r.rank FROM {RANK_TABLE} r
                 WHERE {" AND ".join(conditions)}
              ORDER BY r.rank LIMIT %(profile_limit)s
            """, dict(params, profile_limit=limit))
            rows = self.env.cr.fetchall()
            keys, ranks, held, last_rank = [], [], 0, None
            for key, count, rank in rows:
                if rank != last_rank:
                    if held >= companies:
                        return keys, ranks, False
                    last_rank = rank
                keys.append(key)
                ranks.append(rank)
                held += count
            if len(rows) < limit:
                return keys, ranks, True
            limit *= 8

    @api.model
    def _ranked_parts_sql(self, filters):
        """SQL of the candidates of the ranked profiles (`%(profile_keys)s`,
        `%(profile_ranks)s`): each profile's first companies in rotation
        order (never delivered from the search's start, wrapping; then the
        least delivered), read from the profile index."""
        columns = "c.id, c.domain, c.emails, c.delivery_count, c.last_delivered_date, c.shuffle_key"

        def part(condition, order):
            return f"""(SELECT {columns} FROM crm_iap_lead_directory_company c
                         WHERE {filters} AND c.profile_key = g.profile_key AND {condition}
                      ORDER BY {order} LIMIT %(window)s)"""

        # Only the never delivered wrap (the delivered come by count, then key).
        return f"""(SELECT c.*, c.delivery_count = 0 AND c.shuffle_key < %(start)s AS wrapped, g.rank
                      FROM unnest(%(profile_keys)s::bigint[], %(profile_ranks)s::int[]) AS g(profile_key, rank)
                     CROSS JOIN LATERAL ({part("c.delivery_count = 0 AND c.shuffle_key >= %(start)s", "c.shuffle_key")}
                                         UNION ALL
                                         {part("c.delivery_count = 0 AND c.shuffle_key < %(start)s", "c.shuffle_key")}
                                         UNION ALL
                                         {part("c.delivery_count > 0", "c.delivery_count, c.shuffle_key")}) AS c)"""

    @api.model
    def _pick_contacts(self, company_ids, search):
        """{company id: [contact ids]}, at most `contact_number` each, preferred role first."""
        if not company_ids:
            return {}
        condition, params = self._contact_filter(search)
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
             ORDER BY directory_company_id, rank
        """, params)
        contact_ids = {}
        for company_id, contact_id in self.env.cr.fetchall():
            contact_ids.setdefault(company_id, []).append(contact_id)
        return contact_ids

    @api.model
    def _mark_delivered(self, company_ids, request_id=None):
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
