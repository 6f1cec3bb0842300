"""A database allowed to mine our company directory over Odoo's lead-mining protocols."""
import hmac
import secrets
import time

from odoo import _, api, fields, models
from odoo.tools import formatLang
from odoo.exceptions import AccessError
from odoo.tools.misc import hmac as odoo_hmac

from ..tools.lead_mining_client import InsufficientCreditsError
from ..tools.lead_mining_service import ServiceRefusal, hash_token
from ..tools.protocols import PROTOCOLS, dnb
from .crm_iap_lead_directory_search import DirectoryPrices, DirectorySearch
from .crm_iap_lead_industry_code import SIC_CLASSIFICATION
from .crm_iap_lead_provider_directory import PROVIDER

SERVICE_PARAM = "crm_iap_mine.service_enabled"
# Whom the Buy credits page of the service names (empty: the company's name and e-mail).
CONTACT_NAME_PARAM = "crm_iap_mine.service_contact_name"
CONTACT_EMAIL_PARAM = "crm_iap_mine.service_contact_email"
CONTACT_TEXT_PARAM = "crm_iap_mine.service_contact_text"
MAX_LEADS_PER_CALL = 200
MAX_CONTACTS_PER_COMPANY = 10
MAX_REVEAL_IDS = 200000  # as many as the default body limit holds
# First key of the advisory lock a client's call holds (the second is the client's id).
# Balance calls a minute allowed per mining call of the client's rate limit.
BALANCE_CALLS_PER_MINING_CALL = 10
CALL_LOCK_KEY = 0x1EAD
# How long the Buy credits page remembers whose page it is (its cookie).
CREDIT_PAGE_SECONDS = 600


class CrmIapLeadServiceClient(models.Model):
    """A client of our lead-mining service: its token, prices and limits.

    The token is shown once, when generated, and only its SHA-256 is kept.
    The client's credits are its own balance in the credit ledger.
    """

    _name = "crm.iap.lead.service.client"
    _description = "Lead Mining Service Client"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, help="The database or organisation allowed to mine the directory.")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company,
        help="The company whose directory the client mines (companies shared by all companies included).",
    )
    active = fields.Boolean(default=True, help="Archive a client to suspend it: its token is refused.")
    token_hash = fields.Char(readonly=True, copy=False, index=True, groups="base.group_system")
    token_hint = fields.Char(string="Token Starts With", readonly=True, copy=False)
    country_ids = fields.Many2many(
        "res.country", string="Allowed Countries",
        help="The countries the client may mine. Empty: every country of the directory.",
    )
    price_per_company = fields.Integer(string="Credits per Company", default=1, required=True)
    price_per_contact = fields.Integer(string="Credits per Contact", default=1, required=True)
    monthly_cap = fields.Integer(
        help="Most credits the client may spend in a calendar month (0: no cap).",
    )
    rate_limit = fields.Integer(string="Calls per Minute", default=30, required=True)
    balance = fields.Integer(string="Credits", compute="_compute_balance")
    call_ids = fields.One2many("crm.iap.lead.service.call", "client_id", string="Calls")
    last_call_date = fields.Datetime(readonly=True, copy=False,
                                     help="When the client's last mining call started (written by that call).")

    _sql_constraints = [
        ("prices_not_negative", "CHECK (price_per_company >= 0 AND price_per_contact >= 0)",
         "Prices cannot be negative."),
        ("limits_not_negative", "CHECK (monthly_cap >= 0 AND rate_limit > 0)",
         "The monthly cap cannot be negative and the rate limit must allow at least one call per minute."),
    ]

    def _compute_balance(self):
        ledger = self.env["crm.iap.lead.credit.line"]
        for client in self:
            client.balance = ledger._get_balance(client.company_id, client._balance_key()) if client.id else 0

    def _balance_key(self):
        """The client's own row in the credit ledger's balances."""
        return f"service_client_{self.id}"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_generate_token(self):
        """A new token (the previous one stops working), shown this once.
        Administrators only: the button's groups hide it, this refuses it
        over RPC too (the token is written with sudo())."""
        self.ensure_one()
        self._check_administrator()
        token = secrets.token_urlsafe(32)
        self.sudo().write({"token_hash": hash_token(token), "token_hint": token[:6]})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Token of %(client)s", client=self.name),
                "message": _("Copy this token now, it will not be shown again: %(token)s", token=token),
                "sticky": True,
                "type": "warning",
            },
        }

    @api.model
    def _check_administrator(self):
        """Tokens and clients' credits are administrators' business."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only an administrator may manage the tokens and credits of service clients."))

    def action_add_credits(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("crm_iap_mine.crm_iap_lead_credit_topup_action")
        action["context"] = {"default_company_id": self.company_id.id, "default_provider": PROVIDER,
                             "default_service_client_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Serving
    # ------------------------------------------------------------------

    @api.model
    def _authenticate(self, token):
        """The active client holding `token`, or an empty recordset."""
        # Our tokens are URL-safe ASCII: anything else (a lone surrogate
        # cannot even be hashed) is unknown.
        if not isinstance(token, str) or not token or not token.isascii():
            return self.browse()
        digest = hash_token(token)
        client = self.sudo().search([("token_hash", "=", digest)], limit=1)
        if not client or not hmac.compare_digest(client.token_hash, digest):
            return self.browse()
        return client

    def _lock(self):
        """One call at a time per client: its rate limit, cap and deliveries
        are counted by the call before. A call that finds another one under
        way is refused at once ("busy"), so that one client never holds
        several workers waiting.

        Call it first in a fresh transaction, in a savepoint. The advisory
        lock excludes; writing the client's row then makes PostgreSQL refuse
        (SerializationFailure, for the caller to answer "busy" too) a call
        whose snapshot was taken before the previous call committed, so what
        a call reads after its lock always includes the previous call."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (CALL_LOCK_KEY, self.id))
        if not cr.fetchone()[0]:
            raise self._busy()
        cr.execute("UPDATE crm_iap_lead_service_client SET last_call_date = now() at time zone 'UTC' WHERE id = %s",
                   (self.id,))

    @api.model
    def _busy(self):
        return ServiceRefusal("user", "busy", "Another call of this account is under way: "
                                              "one call at a time per account. Retry in a moment.")

    def _check_rate_limit(self, balance=False):
        """Mining calls have the client's limit a minute; balance calls are
        counted apart, with BALANCE_CALLS_PER_MINING_CALL times that limit
        (a client's dialog asks its balance around every request it sends)."""
        limit = self.rate_limit * (BALANCE_CALLS_PER_MINING_CALL if balance else 1)
        self.env.cr.execute("""
            SELECT count(*) FROM crm_iap_lead_service_call
             WHERE client_id = %s AND (protocol = 'balance') = %s
               AND date > (clock_timestamp() at time zone 'UTC') - interval '1 minute'
        """, (self.id, balance))
        if self.env.cr.fetchone()[0] >= limit:
            if balance:
                raise ServiceRefusal("user", "rate_limited",
                                     f"Too many balance calls: this account may ask its balance {limit} times per minute.")
            raise ServiceRefusal("user", "rate_limited",
                                 f"Too many calls: this account may make {limit} calls per minute.")

    def _spent_this_month(self):
        self.env.cr.execute("""
            SELECT COALESCE(sum(-amount), 0) FROM crm_iap_lead_credit_line
             WHERE service_client_id = %s AND amount < 0
               AND date >= date_trunc('month', now() at time zone 'UTC')
        """, (self.id,))
        return self.env.cr.fetchone()[0]

    def _serve(self, protocol, query, reveal_ids=()):
        """Pick, charge and mark delivered the companies for one call.

        :return: (answer items in the protocol's shape, directory company
                  ids delivered, contacts delivered, credits charged)
        :raise ServiceRefusal: nothing was delivered nor charged.

        Call it with the client's `_lock` held.
        """
        self.ensure_one()
        self._check_rate_limit()
        search = self._service_search(protocol, query, reveal_ids)
        # The client's own prices, whatever the register.
        prices = DirectoryPrices(company=lambda _register_code: self.price_per_company, contact=self.price_per_contact)
        delivery = self.env["crm.iap.lead.directory.search"]._deliver(search, prices, self._charge)
        company_ids = delivery.company_ids
        items = self.env["crm.iap.lead.directory.company"].browse(company_ids)._to_service_data(delivery.contacts)
        prefix = self._reveal_prefix()
        items = PROTOCOLS[protocol].encode_answer(items, [f"{prefix}{company_id}" for company_id in company_ids])
        return items, company_ids, delivery.contact_count, delivery.cost

    def _charge(self, delivery):
        """Debit the client's balance for `delivery`, within its monthly cap.

        :raise ServiceRefusal: over the cap, or not enough credits.
        """
        if self.monthly_cap and self._spent_this_month() + delivery.cost > self.monthly_cap:
            raise ServiceRefusal("credits", "refused_credits",
                                 "This account has reached its monthly cap of credits.")
        try:
            self.env["crm.iap.lead.credit.line"]._record(self.company_id, PROVIDER, delivery.movements,
                                                         service_client=self)
        except InsufficientCreditsError:
            raise ServiceRefusal("credits", "refused_credits",
                                 f"Not enough credits: {delivery.cost} needed, {self.balance} left.") from None

    @api.model
    def _get_credit_page_values(self, client):
        """What the *Buy credits* page shows: who runs the service and whom
        to contact; `client`'s balance when the visitor holds its token
        (see `_from_credit_page_cookie`)."""
        params = self.env["ir.config_parameter"].sudo()
        company = client.company_id or self.env.company
        contact = params.get_param(CONTACT_NAME_PARAM) or company.name
        return {
            "page_title": _("Lead Mining Credits"),
            "operator_sentence": _("This lead-mining service is run by %(operator)s.", operator=company.name),
            "contact_sentence": _("To buy credits, please contact %(contact)s.", contact=contact),
            "contact_email": params.get_param(CONTACT_EMAIL_PARAM) or company.email,
            "contact_text": params.get_param(CONTACT_TEXT_PARAM),
            "balance_sentence": _("Your account %(account)s has %(balance)s credits left.",
                                  account=client.name, balance=formatLang(self.env, client.balance, digits=0)) if client else False,
        }

    def _credit_page_cookie(self):
        """The value of the short-lived cookie that stands for the client's
        token on the *Buy credits* page: its id and an expiry, signed with the
        database secret and the token's hash (a new token voids it). The
        token itself is not in it."""
        self.ensure_one()
        message = f"{self.id}.{int(time.time()) + CREDIT_PAGE_SECONDS}"
        return f"{message}.{self._credit_page_signature(message)}"

    def _credit_page_signature(self, message):
        return odoo_hmac(self.env(su=True), "crm_iap_mine.credit_page", f"{message}.{self.sudo().token_hash}")

    @api.model
    def _from_credit_page_cookie(self, value):
        """The active client a *Buy credits* cookie stands for, or an empty
        recordset (no cookie, expired, tampered with, or an older token)."""
        try:
            client_id, expiry, signature = value.split(".")
            client_id, expiry = int(client_id), int(expiry)
        except (AttributeError, ValueError):
            return self.browse()
        client = self.sudo().browse(client_id).exists().filtered("active") if expiry > time.time() else self.browse()
        if not client or not hmac.compare_digest(signature, client._credit_page_signature(f"{client_id}.{expiry}")):
            return self.browse()
        return client

    @api.model
    def _reveal_prefix(self):
        """Our companies' ids as clients see them: unique to this database,
        so that ids of another service never match ours."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid") or ""
        return f"dir-{uuid[:8]}-"

    def _service_search(self, protocol, query, reveal_ids):
        """The DirectorySearch of a client's query; ServiceRefusal when it is
        not valid. Every value is checked for its type before use: whatever
        a client sends gets a clear refusal, never a server error."""
        def refuse(message):
            raise ServiceRefusal("user", "refused_request", message)

        def whole_number(key, low, high):
            value = query.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                refuse(f"{key} must be a whole number from {low} to {high}.")
            return value

        def code(value, key):
            """A code the client sends (country, state, industry, role):
            short printable ASCII (a number is taken as its digits)."""
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.isascii() or not value.isprintable() or len(value) > 64:
                refuse(f"{key} must hold codes (short ASCII texts).")
            return value

        def codes(value, key):
            if value is None or value is False:
                return []
            if not isinstance(value, list):
                refuse(f"{key} must be a list of codes.")
            return [code(item, key) for item in value]

        if not isinstance(query, dict):
            refuse("The search is missing.")
        known_ids = self._revealed_company_ids(reveal_ids)
        lead_number = whole_number("lead_number", 1, MAX_LEADS_PER_CALL)
        countries = query.get("countries")
        if not isinstance(countries, list) or not countries or not all(isinstance(c, dict) for c in countries):
            refuse("countries must be a list of {code, states}.")
        codes_states = [(code(c.get("code"), "countries").upper(), codes(c.get("states"), "states")) for c in countries]
        country_records = self.env["res.country"].search([("code", "in", [c for c, _states in codes_states])])
        forbidden = country_records - self.country_ids if self.country_ids else country_records.browse()
        if forbidden:
            refuse(f"This account may not mine companies in: {', '.join(sorted(forbidden.mapped('code')))}.")
        state_codes = {(country, state) for country, states in codes_states for state in states}
        states = self.env["res.country.state"].search([("country_id", "in", country_records.ids)]).filtered(
            lambda state: (state.country_id.code, state.code) in state_codes) if state_codes else self.env["res.country.state"]
        industries = self.env["crm.iap.lead.industry"]
        sectors = set(codes(query.get("industry_ids"), "industry_ids"))
        if sectors:
            industries = industries.search([("reveal_ids", "!=", False)]).filtered(lambda industry: sectors & set(industry._get_reveal_ids()))
        industries |= self._sic_group_industries(query)
        size_min, size_max = query.get("company_size_min"), query.get("company_size_max")
        size_range = None
        if size_min is not None or size_max is not None:
            if not all(value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 31)
                       for value in (size_min, size_max)):
                refuse("company_size_min and company_size_max must be whole numbers from 0 to 2147483647.")
            size_range = (size_min or 0, size_max if size_max is not None else 2 ** 31 - 1)
        # Contacts only in a protocol whose items carry them.
        people = PROTOCOLS[protocol].gives_contacts and query.get("search_type") == "people"
        search = DirectorySearch(
            company_id=self.company_id.id, country_ids=country_records.ids, limit=lead_number,
            seed=f"client-{self.id}", state_ids=states.ids, state_country_ids=states.country_id.ids,
            industry_ids=industries.ids, size_range=size_range, people=people,
            service_client_id=self.id, known_ids=known_ids,
        )
        if people:
            search.contact_number = whole_number("contact_number", 1, MAX_CONTACTS_PER_COMPANY)
            if query.get("contact_filter_type") == "seniority":
                seniority = self.env["crm.iap.lead.seniority"].search(
                    [("reveal_id", "=", code(query.get("seniority"), "seniority"))], limit=1)
                if not seniority:
                    refuse("Unknown seniority.")
                search.seniority_id = seniority.id
            else:
                preferred = code(query.get("preferred_role") or "", "preferred_role")
                others = codes(query.get("other_roles"), "other_roles")
                roles = self.env["crm.iap.lead.role"].search([("reveal_id", "in", [preferred] + others)])
                if not roles:
                    refuse("Unknown contact roles.")
                search.role_ids = roles.ids
                search.preferred_role_id = roles.filtered(lambda role: role.reveal_id == preferred)[:1].id or 0
        return search

    @api.model
    def _sic_group_industries(self, query):
        """Our industries of the SIC major groups a query names (`sic_groups`,
        Odoo 19.4 and later), through the crosswalk of
        crm.iap.lead.industry.code; none when it names none. Groups without an
        industry of ours hold no company of the directory.

        :raise ServiceRefusal: `sic_groups` is not valid, or none of its
                               groups is in the directory.
        """
        try:
            codes = dnb.read_sic_groups(query)
        except ValueError as error:
            raise ServiceRefusal("user", "refused_request", str(error)) from None
        if not codes:
            return self.env["crm.iap.lead.industry"]
        industries = self.env["crm.iap.lead.industry.code"].search(
            [("classification", "=", SIC_CLASSIFICATION), ("code", "in", codes)]).industry_id
        if not industries:
            raise ServiceRefusal("user", "refused_request", "The directory has no company in the SIC major groups "
                                 f"{', '.join(str(int(code)) for code in codes)}.")
        return industries

    @api.model
    def _revealed_company_ids(self, reveal_ids):
        """Directory ids among the `reveal_ids` a client already knows."""
        prefix = self._reveal_prefix()
        if reveal_ids is None or reveal_ids is False:
            return []
        if not isinstance(reveal_ids, list):
            raise ServiceRefusal("user", "refused_request", "reveal_ids must be a list.")
        if len(reveal_ids) > MAX_REVEAL_IDS:
            raise ServiceRefusal("user", "refused_request", f"Too many reveal_ids: at most {MAX_REVEAL_IDS} a call.")
        # Others' ids (and anything else) are skipped: ours are ASCII digits of a 32-bit id.
        return [int(number) for number in (rid[len(prefix):] for rid in reveal_ids
                                           if isinstance(rid, str) and rid.startswith(prefix))
                if number.isascii() and number.isdigit() and len(number) <= 10 and int(number) < 2 ** 31]
