import logging

from markupsafe import Markup

import psycopg2
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize, formatLang, is_html_empty

from ..const import REQUEST_STATE_TRANSITIONS, SETTLED_STATES, UNDELETABLE_STATES
from ..tools.domains import email_domain, normalize_domain
from ..tools.lead_mining_client import LeadMiningError

_logger = logging.getLogger(__name__)

MAX_CONTACTS_PER_COMPANY = 5
# Leads created per batch; the ORM cache is emptied between batches.
LEAD_CHUNK_SIZE = 200


ERROR_TYPES = [
    ("credits", "Insufficient Credits"),
    ("no_result", "No Result"),
    ("access", "Access Refused"),
    ("user", "Refused by the Service"),
    ("remote", "Service Error"),
    ("unreachable", "Service Unreachable"),
    ("timeout", "Timeout"),
    ("http", "HTTP Error"),
    ("protocol", "Unexpected Answer"),
    ("creation", "Lead Creation Failed"),
]


def provider_selection(model):
    """The providers of lead mining, for the `provider` fields of other models."""
    return model.env["crm.iap.lead.mining.request"]._fields["provider"]._description_selection(model.env)


class NoResultError(LeadMiningError):
    """Nothing (new) to deliver: no credits of ours were used."""

    error_type = "no_result"


class LeadCreationError(LeadMiningError):
    """The answer came, but the leads could not be created from it."""

    error_type = "creation"

    def __init__(self, message):
        super().__init__(message)
        self.user_message = message


def _company_domains(company_data):
    """Domains identifying a company of an answer: its website, its e-mails."""
    domains = [normalize_domain(company_data.get("domain"))]
    domains += [email_domain(email) for email in company_data.get("email") or []]
    return [domain for domain in dict.fromkeys(domains) if domain]


class CrmIapLeadMiningRequest(models.Model):
    """A request for new leads, answered by a provider.

    This model owns the flow (validation, numbering, lead creation, chatter,
    errors). A provider adds its code to `provider` and is the abstract
    model `crm.iap.lead.provider.<code>` (see `crm_iap_lead_provider.py`):
    the request asks it what it supports, what it costs, and for companies.
    """

    _name = "crm.iap.lead.mining.request"
    _description = "Lead Mining Request"
    _inherit = ["mail.thread", "crm.iap.lead.state.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _state_transitions = REQUEST_STATE_TRANSITIONS

    name = fields.Char(
        string="Request Number", required=True, readonly=True, copy=False,
        default=lambda self: _("New"),
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("recurring", "Recurring"),
            ("paused", "Paused"),
            ("done", "Done"),
            ("error", "Error"),
            ("cancel", "Cancelled"),
        ],
        string="Status", required=True, default="draft", copy=False, tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True,
        default=lambda self: self.env.company,
    )
    provider = fields.Selection(
        [], required=True,
        default=lambda self: self._default_provider(),
    )

    # What to mine
    lead_number = fields.Integer(string="Number of Leads", required=True, default=3)
    search_type = fields.Selection(
        [("companies", "Companies"), ("people", "Companies and their Contacts")],
        string="Target", required=True, default="companies",
    )
    country_ids = fields.Many2many(
        "res.country", string="Countries",
        default=lambda self: self.env.company.country_id,
    )
    available_state_ids = fields.Many2many(
        "res.country.state", compute="_compute_available_state_ids",
        string="States Offered",
    )
    state_ids = fields.Many2many(
        "res.country.state", string="States",
        domain="[('id', 'in', available_state_ids)]",
    )
    industry_ids = fields.Many2many("crm.iap.lead.industry", string="Industries")
    filter_on_size = fields.Boolean(
        string="Filter on Size",
        help="Companies whose size is unknown (some public registers do not publish it) are left out "
        "when filtering on size.",
    )
    company_size_min = fields.Integer(string="Size", default=1)
    company_size_max = fields.Integer(default=1000)
    contact_number = fields.Integer(string="Number of Contacts", default=1)
    contact_filter_type = fields.Selection(
        [("role", "Role"), ("seniority", "Seniority")],
        string="Filter on", default="role",
    )
    preferred_role_id = fields.Many2one("crm.iap.lead.role")
    role_ids = fields.Many2many("crm.iap.lead.role", string="Other Roles")
    seniority_id = fields.Many2one("crm.iap.lead.seniority")

    # What to create
    lead_type = fields.Selection(
        [("lead", "Leads"), ("opportunity", "Opportunities")],
        string="Type", required=True, default=lambda self: self._default_lead_type(),
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", ondelete="set null", check_company=True,
        compute="_compute_team_id", store=True, readonly=False,
        domain="[('use_opportunities', '=', True)]",
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    tag_ids = fields.Many2many("crm.tag", string="Tags")

    # Outcome
    lead_ids = fields.One2many("crm.lead", "lead_mining_request_id", string="Generated Lead / Opportunity")
    lead_count = fields.Integer(compute="_compute_lead_count", string="Number of Generated Leads")
    display_lead_label = fields.Char(compute="_compute_display_lead_label")
    error_type = fields.Selection(ERROR_TYPES, copy=False, readonly=True)
    error_message = fields.Text(copy=False, readonly=True)
    malformed_count = fields.Integer(
        string="Skipped (Malformed)", copy=False, readonly=True,
        help="Items of the answer that were not valid company data and were skipped.",
    )
    credits_charged = fields.Integer(
        copy=False, readonly=True,
        help="Credits the provider charged for this request.",
    )
    duplicate_count = fields.Integer(
        string="Already in CRM, Not Created Again", copy=False, readonly=True,
        help="Companies found that the CRM already knew: not created again, their record got the enrichment note.",
    )
    excluded_count = fields.Integer(
        string="Already in CRM, Skipped", copy=False, readonly=True,
        help="Companies matching the request that are already in your CRM: skipped before picking, never charged.",
    )
    blacklisted_count = fields.Integer(
        string="Blacklisted Contacts", copy=False, readonly=True,
        help="Contacts found whose e-mail is on the mail blacklist: written nowhere.",
    )
    mined_count = fields.Integer(
        string="Companies Processed", copy=False, readonly=True,
        help="Companies the provider delivered so far (new leads and those already in the CRM).",
    )
    matching_count = fields.Integer(
        string="Companies Matching", copy=False, readonly=True,
        help="Companies of the directory matching the filters, known when it had fewer than asked.",
    )
    contact_count = fields.Integer(
        string="Contacts Found", copy=False, readonly=True,
        help="Contacts delivered with the companies.",
    )
    credits_returned = fields.Integer(
        string="Credits Given Back", copy=False, readonly=True,
        help="Credits reserved for the request and given back because they were not used.",
    )
    result_summary = fields.Char(compute="_compute_result_summary")
    show_provider = fields.Boolean(compute="_compute_show_provider")

    # Cost, shown while editing
    estimated_credits = fields.Integer(compute="_compute_estimated_credits")
    credit_balance = fields.Float(compute="_compute_credit_balance", digits=(16, 0))
    credit_balance_known = fields.Boolean(compute="_compute_credit_balance")
    cost_summary = fields.Char(compute="_compute_cost_summary")
    lead_number_limits = fields.Char(compute="_compute_lead_number_limits")
    lead_number_valid = fields.Boolean(compute="_compute_lead_number_limits")
    can_add_credits = fields.Boolean(compute="_compute_can_add_credits")
    add_credits_contact = fields.Char(compute="_compute_can_add_credits")
    states_unavailable = fields.Boolean(compute="_compute_available_state_ids")
    provider_gives_contacts = fields.Boolean(compute="_compute_provider_gives_contacts")
    waiting_message = fields.Char(compute="_compute_waiting_message")
    alternative_provider = fields.Selection(
        selection=lambda self: provider_selection(self), compute="_compute_alternative_provider",
        help="Another provider to offer when this one's service cannot be reached.",
    )

    # ------------------------------------------------------------------
    # Defaults
    # ------------------------------------------------------------------

    @api.model
    def _default_provider(self):
        """The provider chosen in the CRM settings, else the first one."""
        configured = self.env["ir.config_parameter"].sudo().get_param("crm_iap_mine.default_provider")
        codes = [code for code, _label in provider_selection(self)]
        usable = [code for code in codes if self._provider_model(code)._is_usable(self.env.company)]
        if configured in usable:
            return configured
        return (usable or codes or [False])[0]

    @api.model
    def _default_lead_type(self):
        if self.env.context.get("default_lead_type"):
            return self.env.context["default_lead_type"]
        return "lead" if self.env.user.has_group("crm.group_use_lead") else "opportunity"

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("lead_type", "lead_number")
    def _compute_display_lead_label(self):
        labels = dict(self._fields["lead_type"]._description_selection(self.env))
        for request in self:
            request.display_lead_label = (
                f"{formatLang(self.env, request.lead_number, digits=0)} {labels.get(request.lead_type, '')}")

    @api.depends("lead_ids")
    def _compute_lead_count(self):
        counts = dict(self.env["crm.lead"]._read_group(
            [("lead_mining_request_id", "in", self.ids)], ["lead_mining_request_id"], ["__count"],
        ))
        for request in self:
            request.lead_count = counts.get(request._origin, 0)

    @api.depends("user_id", "lead_type")
    def _compute_team_id(self):
        """The team follows the salesperson, unless they already belong to it."""
        for request in self:
            user = request.user_id
            if not user or (request.team_id and user in request.team_id.member_ids | request.team_id.user_id):
                continue
            use_field = "use_leads" if request.lead_type == "lead" else "use_opportunities"
            request.team_id = self.env["crm.team"]._get_default_team_id(
                user_id=user.id, domain=[(use_field, "=", True)],
            )

    @api.depends("country_ids", "provider")
    def _compute_available_state_ids(self):
        for request in self:
            countries = request._get_state_filter_countries()
            request.available_state_ids = self.env["res.country.state"].search(
                [("country_id", "in", countries.ids)]
            ) if countries else False
            # Say why the States field is not there, instead of hiding it silently.
            request.states_unavailable = bool(request.country_ids) and not request.available_state_ids

    @api.depends("provider", "lead_number")
    def _compute_lead_number_limits(self):
        for request in self:
            maximum = request._get_max_lead_number()
            request.lead_number_limits = _("(1 to %(maximum)s)", maximum=formatLang(self.env, maximum, digits=0))
            request.lead_number_valid = 1 <= request.lead_number <= maximum

    @api.depends("company_id")
    @api.depends_context("uid")
    def _compute_can_add_credits(self):
        """Whether the user may add credits to the company's ledger (the
        top-up checks it again), and else whom to ask."""
        may_create = self.env["crm.iap.lead.credit.topup"].check_access_rights("create", raise_exception=False)
        managers = self.env.ref("sales_team.group_sale_manager").sudo().users.filtered(
            lambda user: not user.share and user.active)
        for request in self:
            request.can_add_credits = may_create and request.company_id in self.env.user.company_ids
            names = managers.filtered(lambda user, c=request.company_id: c in user.company_ids)[:3].mapped("name")
            if names:
                request.add_credits_contact = _("Only a sales manager can add credits: ask %(names)s.",
                                                names=", ".join(names))
            else:
                request.add_credits_contact = _("Only a sales manager can add credits: ask your administrator.")

    @api.depends("lead_number", "search_type", "contact_number", "provider", "country_ids", "company_id")
    def _compute_estimated_credits(self):
        for request in self:
            request.estimated_credits = max(request.lead_number, 0) * request._credits_per_company()

    def _company_prices(self):
        """{source: credits per company} of the sources (register codes, None
        for the provider's own data) this request's companies may come from."""
        provider = self._provider_model()
        return {source: provider._company_price(source) for source in provider._price_sources(self)}

    def _contact_credits(self):
        """Most credits the contacts of one company can cost."""
        if self.search_type != "people":
            return 0
        return self._provider_model()._contact_price() * max(self.contact_number, 0)

    def _credits_per_company(self):
        """Most credits one company of this request can cost (its dearest
        source, with its contacts): what is estimated and reserved."""
        return max(self._company_prices().values(), default=0) + self._contact_credits()

    @api.depends("provider", "company_id")
    def _compute_credit_balance(self):
        for request in self:
            balance = request._get_credit_balance()
            request.credit_balance = balance or 0
            request.credit_balance_known = balance is not None

    @api.depends("estimated_credits", "search_type", "is_recurring")
    def _compute_cost_summary(self):
        # The balance is not part of it: reading it may cost a call to the
        # provider, which the dialog makes on its own (`get_credit_balance_text`).
        for request in self:
            request.cost_summary = request._cost_sentence()
            if request.is_recurring:
                request.cost_summary = _("Per run: %(cost)s", cost=request.cost_summary)

    def _cost_sentence(self):
        """The cost line: the most the request can cost, at the price of the
        dearest source it can reach, naming the sources when they differ."""
        prices = self._company_prices()
        price = max(prices.values(), default=0)
        values = {
            "credits": formatLang(self.env, self.estimated_credits, digits=0),
            "price": formatLang(self.env, price, digits=0),
            "contact_price": formatLang(self.env, self._provider_model()._contact_price(), digits=0),
        }
        people = self.search_type == "people"
        if not price and not people:
            return _("Up to %(credits)s credits: free public register data.", **values)
        if len(set(prices.values())) < 2:
            if people:
                return _("Up to %(credits)s credits: %(price)s per company and %(contact_price)s per contact found.",
                         **values)
            return _("Up to %(credits)s credits: %(price)s per company found.", **values)
        values["sources"] = self._price_sources_text(prices)
        if people:
            return _("Up to %(credits)s credits: %(price)s per company (%(sources)s) "
                     "and %(contact_price)s per contact found.", **values)
        return _("Up to %(credits)s credits: %(price)s per company found (%(sources)s).", **values)

    def _price_sources_text(self, prices):
        """"0 for register companies, 1 for your own": the price of each
        source, registers named one by one only when their prices differ."""
        registers = {source: price for source, price in prices.items() if source}
        labels = dict(self.env["crm.iap.lead.directory.company"]._fields["register_code"]._description_selection(self.env))
        parts = []
        if len(set(registers.values())) == 1:
            parts.append(_("%(price)s for register companies",
                           price=formatLang(self.env, next(iter(registers.values())), digits=0)))
        else:
            parts += [_("%(price)s for %(register)s", price=formatLang(self.env, price, digits=0),
                        register=labels.get(source, source)) for source, price in sorted(registers.items())]
        if None in prices:
            parts.append(_("%(price)s for your own", price=formatLang(self.env, prices[None], digits=0)))
        return ", ".join(parts)

    @api.depends("provider", "company_id")
    def _compute_alternative_provider(self):
        for request in self:
            request.alternative_provider = request._other_usable_provider(request.company_id, request.provider)

    @api.depends("provider", "lead_number", "search_type")
    def _compute_waiting_message(self):
        """What the dialog says while the request is being mined."""
        for request in self:
            request.waiting_message = request._provider_model()._waiting_message(request)

    @api.depends("provider")
    def _compute_provider_gives_contacts(self):
        for request in self:
            request.provider_gives_contacts = request._provides_contacts()

    @api.depends("state", "lead_count", "lead_number", "duplicate_count", "excluded_count", "matching_count",
                 "contact_count", "credits_charged", "credits_returned", "mined_count", "malformed_count")
    def _compute_result_summary(self):
        for request in self:
            request.result_summary = request._result_sentence() if request.state == "done" else False

    def _result_sentence(self):
        """What the request delivered; when fewer than asked, why, in one sentence."""
        if self.lead_count >= self.lead_number:
            # One full sentence per case: translations must agree with the count.
            parts = [self._created_message()]
            if self.duplicate_count == 1:
                parts.append(_("1 company found was already in your CRM: it got the new note instead."))
            elif self.duplicate_count:
                parts.append(_(
                    "%(count)s companies found were already in your CRM: they got the new note instead.",
                    count=self._number(self.duplicate_count),
                ))
            if self.excluded_count == 1:
                parts.append(_("1 company already in your CRM was skipped."))
            elif self.excluded_count:
                parts.append(_(
                    "%(count)s companies already in your CRM were skipped.", count=self._number(self.excluded_count),
                ))
            return " ".join(parts)
        values = {"created": self._number(self.lead_count), "asked": self._number(self.lead_number)}
        if self.lead_type == "lead":
            head = _("%(created)s of %(asked)s leads created", **values)
        else:
            head = _("%(created)s of %(asked)s opportunities created", **values)
        return _("%(head)s: %(reasons)s.", head=head, reasons=", ".join(self._shortfall_reasons()))

    def _shortfall_reasons(self):
        """The clauses saying why fewer leads than asked were created."""
        number = self._number
        reasons = []
        if self.provider == "directory":
            # The directory saw every company matching the filters.
            reasons.append(_("%(count)s companies match your filters", count=number(self.matching_count)))
            without_contacts = self.matching_count - self.mined_count - self.excluded_count
            if self.search_type == "people" and without_contacts > 0:
                reasons.append(_("%(count)s of them without a contact of the role or seniority asked",
                                 count=number(without_contacts)))
        else:
            reasons.append(_("%(provider)s returned %(count)s companies", count=number(self.mined_count),
                             provider=dict(provider_selection(self)).get(self.provider, self.provider)))
        if self.excluded_count:
            reasons.append(_("%(count)s already in your CRM and skipped", count=number(self.excluded_count)))
        if self.duplicate_count:
            reasons.append(_("%(count)s already in your CRM (given the new note)", count=number(self.duplicate_count)))
        if self.malformed_count:
            reasons.append(_("%(count)s unreadable answers skipped", count=number(self.malformed_count)))
        if self.search_type == "people":
            reasons.append(_("%(found)s of %(asked)s contacts found", found=number(self.contact_count),
                             asked=number(self.contact_number * self.mined_count)))
        reasons.append(_("%(count)s credits charged", count=number(self.credits_charged)))
        if self.credits_returned:
            reasons.append(_("%(count)s reserved credits given back", count=number(self.credits_returned)))
        return reasons

    def _number(self, value):
        """`value` written as the user's language writes numbers."""
        return formatLang(self.env, value, digits=0)

    @api.depends("company_id")
    def _compute_show_provider(self):
        for request in self:
            request.show_provider = len(request._get_usable_providers()) > 1

    def _get_usable_providers(self):
        """Codes of the providers the dialog may offer for this request's company."""
        self.ensure_one()
        codes = [code for code, _label in provider_selection(self)]
        return [code for code in codes if self._provider_model(code)._is_usable(self.company_id)]

    # ------------------------------------------------------------------
    # Onchanges: warn while the user types, never change what they typed
    # (a silently corrected number would be charged without being asked for)
    # ------------------------------------------------------------------

    def _warning(self, message):
        return {"warning": {"title": _("Check this value"), "message": message, "type": "notification"}}

    @api.onchange("lead_number", "provider")
    def _onchange_lead_number(self):
        if not 1 <= self.lead_number <= self._get_max_lead_number():
            return self._warning(self._lead_number_error())
        return None

    @api.onchange("provider")
    def _onchange_provider_contacts(self):
        if self.search_type == "people" and not self._provides_contacts():
            self.search_type = "companies"

    @api.onchange("contact_number")
    def _onchange_contact_number(self):
        if self.search_type == "people" and not 1 <= self.contact_number <= MAX_CONTACTS_PER_COMPANY:
            return self._warning(self._contact_number_error())
        return None

    @api.onchange("company_size_min", "company_size_max")
    def _onchange_company_size(self):
        if self.filter_on_size and not 1 <= self.company_size_min <= self.company_size_max:
            return self._warning(self._company_size_error())
        return None

    @api.onchange(
        "lead_number", "search_type", "provider", "country_ids", "state_ids", "industry_ids", "filter_on_size",
        "company_size_min", "company_size_max", "contact_number", "contact_filter_type", "preferred_role_id",
        "role_ids", "seniority_id", "lead_type", "user_id", "team_id", "tag_ids", "is_recurring",
    )
    def _onchange_clear_stale_error(self):
        """The error was about the request as it was: once it changes, the
        banner (and its way out) would only mislead. Retrying clears it for good."""
        if self.state == "error" and self.error_type:
            self.error_type = False
            self.error_message = False

    @api.onchange("available_state_ids")
    def _onchange_available_state_ids(self):
        self.state_ids = self.state_ids.filtered(lambda state: state._origin in self.available_state_ids._origin)

    # ------------------------------------------------------------------
    # Constraints: refuse what cannot be corrected
    # ------------------------------------------------------------------

    @api.constrains("lead_number", "provider")
    def _check_lead_number(self):
        for request in self:
            if not 1 <= request.lead_number <= request._get_max_lead_number():
                raise ValidationError(request._lead_number_error())

    @api.constrains("search_type", "contact_number")
    def _check_contact_number(self):
        for request in self.filtered(lambda r: r.search_type == "people"):
            if not 1 <= request.contact_number <= MAX_CONTACTS_PER_COMPANY:
                raise ValidationError(request._contact_number_error())

    @api.constrains("search_type", "provider")
    def _check_contacts_provided(self):
        for request in self.filtered(lambda r: r.search_type == "people"):
            if not request._provides_contacts():
                raise ValidationError(_(
                    "The Odoo IAP service (Dun & Bradstreet) finds companies without their contacts. "
                    "Choose Companies, or take the contacts from the company directory."
                ))

    @api.constrains("filter_on_size", "company_size_min", "company_size_max")
    def _check_company_size(self):
        for request in self.filtered("filter_on_size"):
            if not 1 <= request.company_size_min <= request.company_size_max:
                raise ValidationError(request._company_size_error())

    def _lead_number_error(self):
        return _(
            "The number of leads must be between 1 and %(maximum)s with this provider (you typed %(typed)s).",
            maximum=formatLang(self.env, self._get_max_lead_number(), digits=0),
            typed=formatLang(self.env, self.lead_number, digits=0),
        )

    def _contact_number_error(self):
        return _(
            "The number of contacts per company must be between 1 and %(maximum)s (you typed %(typed)s).",
            maximum=MAX_CONTACTS_PER_COMPANY, typed=formatLang(self.env, self.contact_number, digits=0),
        )

    def _company_size_error(self):
        return _(
            "The company size must go from at least 1 employee up to a number "
            "no smaller than the minimum (you typed %(min)s to %(max)s).",
            min=formatLang(self.env, self.company_size_min, digits=0),
            max=formatLang(self.env, self.company_size_max, digits=0),
        )

    @api.constrains("state_ids", "country_ids", "provider")
    def _check_states(self):
        for request in self:
            misplaced = request.state_ids - request.available_state_ids
            if misplaced:
                raise ValidationError(_(
                    "These states cannot be used with the selected countries: %(states)s. "
                    "Remove them or add their country.",
                    states=", ".join(misplaced.mapped("display_name")),
                ))

    # ------------------------------------------------------------------
    # The provider: what it supports, its credits, its companies
    # ------------------------------------------------------------------

    def _provider_model(self, code=None):
        """The provider of `code` (default: this request's), an abstract model."""
        code = code or self.provider
        return self.env[f"crm.iap.lead.provider.{code}" if code else "crm.iap.lead.provider"]

    def _get_max_lead_number(self):
        """Largest `lead_number` the provider accepts in one request."""
        return self._provider_model()._traits().max_leads

    def _provides_contacts(self):
        """Whether the provider can find the contacts of the companies."""
        return self._provider_model()._traits().contacts

    def _supports_background(self):
        """Whether the provider can mine a big request in batches."""
        return self._provider_model()._traits().background

    def _get_state_filter_countries(self):
        """Countries (among `country_ids`) whose states may be used as a filter."""
        self.ensure_one()
        return self._provider_model()._state_filter_countries(self)

    def _get_credit_balance(self):
        """Credits left for this provider, or None when unknown."""
        return self._provider_model()._get_balance(self.company_id)

    def _action_buy_credits(self):
        """Action opening the way to buy credits for this provider."""
        return self._provider_model()._action_buy_credits(self.company_id)

    def _fetch_companies(self):
        """The provider's next companies for this request (see
        `crm.iap.lead.provider._fetch_companies`)."""
        return self._provider_model()._fetch_companies(self)

    def _record_remote_charges(self, result, created=0):
        return self._provider_model()._record_remote_charges(self, result, created=created)

    def _next_batch_size(self):
        """How many companies `_fetch_companies` asks for this time."""
        return self.lead_number - self.mined_count

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    # Written by the module only (with sudo() or SQL): over RPC, a user who
    # could write `held_credits` on a request in error and then reset it would
    # credit the balance from nothing. They are dropped, not refused: clients
    # that send a record's values back whole (duplicate, import, scripts of
    # the stock module) keep working, and nothing is written either way.
    _PROTECTED_FIELDS = ("held_credits", "state", "requester_id", "failed_batch_attempts")
    # What a request tells of its outcome, written by the module only
    # (`_write_outcome`), so that no one can rewrite over RPC what was
    # charged, given back or found.
    _OUTCOME_FIELDS = ("credits_charged", "credits_returned", "mined_count", "contact_count", "malformed_count",
                       "duplicate_count", "excluded_count", "blacklisted_count", "matching_count")
    _MODULE_ONLY_FIELDS = _PROTECTED_FIELDS + _OUTCOME_FIELDS

    @api.model
    def _drop_protected_values(self, vals):
        return {name: value for name, value in vals.items() if name not in self._MODULE_ONLY_FIELDS}

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su:
            return super().create(vals_list)
        vals_list = [self._drop_protected_values(vals) for vals in vals_list]
        # Nor through default_<field> keys of the context.
        defaults = {f"default_{name}" for name in self._MODULE_ONLY_FIELDS}
        records = self.with_env(self.env(context={
            key: value for key, value in self.env.context.items() if key not in defaults
        }))
        return super(CrmIapLeadMiningRequest, records).create(vals_list)

    def write(self, vals):
        if not self.env.su:
            vals = self._drop_protected_values(vals)
        return super().write(vals)

    def _write_outcome(self, values):
        """Write outcome counters (`_OUTCOME_FIELDS`) on the request being
        mined: the module's own bookkeeping, not the user's input."""
        self.sudo().write(values)

    def copy_data(self, default=None):
        """A duplicate asks for companies only when its provider no longer
        gives contacts (a request of the Clearbit era, Odoo IAP now on D&B):
        Duplicate and the recurring runs keep working."""
        vals_list = super().copy_data(default)
        for request, vals in zip(self, vals_list):
            if vals.get("search_type") == "people" and "search_type" not in (default or {}) \
                    and not request._provides_contacts():
                vals["search_type"] = "companies"
        return vals_list

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _check_submittable(self):
        """Refuse, before any call, a request the provider would not accept."""
        for request in self:
            if not request.country_ids:
                raise ValidationError(_("Choose at least one country."))
            if request.search_type == "people":
                if request.contact_filter_type == "role" and not request.preferred_role_id:
                    raise ValidationError(_("Choose the preferred role of the contacts to find."))
                if request.contact_filter_type == "seniority" and not request.seniority_id:
                    raise ValidationError(_("Choose the seniority of the contacts to find."))

    def _mine(self):
        """Mine the whole request now; errors are stored on it, never raised."""
        self.ensure_one()
        self._set_running({
            "error_type": False, "error_message": False, "malformed_count": 0, "mined_count": 0,
            "duplicate_count": 0, "excluded_count": 0, "credits_charged": 0, "blacklisted_count": 0,
            "matching_count": 0, "contact_count": 0, "credits_returned": 0,
        })
        try:
            created = self._mine_step()
        except LeadMiningError as error:
            self._set_error(error.error_type, self._describe_error(error))
        else:
            self._set_done()
            self._notify_salesperson(created)
        return self.state == "done"

    def _mine_step(self):
        """Fetch the next companies and deliver them, in one savepoint.

        A failure leaves no lead and no debit of ours behind (a remote service
        may still have charged: `_record_remote_charges` writes that down
        either way). The outcome counters add up over steps.

        :return: number of leads created
        :raise LeadMiningError: the provider refused, failed or had nothing;
          any other error is reported as a `creation` error.
        """
        result, created = None, 0
        try:
            with self.env.cr.savepoint():
                result = self._fetch_companies()
                if not result.items:
                    raise NoResultError("No company matches the request.")
                delivered = self._deliver(result)
                self._write_outcome({
                    "credits_charged": self.credits_charged + result.charged,
                    "mined_count": self.mined_count + len(result.items),
                    "contact_count": self.contact_count + sum(len(item["people_data"]) for item in result.items),
                })
            created = delivered  # only once the savepoint holds
        except (LeadMiningError, psycopg2.OperationalError):
            # OperationalError: e.g. a concurrent debit, Odoo retries the whole
            # call (a remote provider keeps its answer for that retry).
            raise
        except Exception as error:  # noqa: BLE001 - reported on the request
            _logger.exception("Lead mining request %s: lead creation failed", self.name)
            raise LeadCreationError(_(
                "The leads could not be created (%(error)s). Retry; if it fails again, contact your administrator.",
                error=error,
            )) from error
        finally:
            if result is not None:
                self._write_outcome({"malformed_count": self.malformed_count + result.malformed})
                self._record_remote_charges(result, created=created)
        return created

    def _deliver(self, result):
        """Create leads for the new companies; enrich the ones already known."""
        self._write_outcome({
            "blacklisted_count": self.blacklisted_count + self._drop_blacklisted_contacts(result.items),
        })
        dedupe = self.env["crm.iap.lead.dedupe"]
        keys = [_company_domains(item["company_data"]) for item in result.items]
        known = dedupe._find_known_companies(self.company_id, [d for domains in keys for d in domains])
        new_items, seen = [], set()
        existing_notes = {}
        for item, domains in zip(result.items, keys):
            record = next((known[d] for d in domains if d in known), None)
            if record is not None or seen & set(domains):
                result.known_items.append(item)
                if record is not None:
                    existing_notes.setdefault(record._name, {})[record.id] = item
                continue
            seen.update(domains)
            new_items.append(item)
        self._write_outcome({"duplicate_count": self.duplicate_count + len(result.known_items)})
        created = 0
        for start in range(0, len(new_items), LEAD_CHUNK_SIZE):
            created += len(self._create_leads(new_items[start:start + LEAD_CHUNK_SIZE]))
            # Written and forgotten: memory stays flat with the request size.
            self.env.flush_all()
            self.env.invalidate_all()
        for model, items_by_id in existing_notes.items():
            records = self.env[model].browse(list(items_by_id))
            flavor_text = _(
                "Found again by Lead Generation (request %(name)s): already in the CRM, not created twice.",
                name=self.name,
            )
            self._log_notes(records, self._render_enrichment_notes(records, list(items_by_id.values()), flavor_text))
        return created

    def _describe_error(self, error):
        """A sentence for the user about a provider error."""
        messages = {
            "no_result": _(
                "Your request did not return any new company: no credits were used for it. "
                "Try removing some filters."
            ),
            "credits": _("You do not have enough credits to submit this request."),
            "access": _("The service refused the request: %(detail)s"),
            "user": _("The service refused the request: %(detail)s"),
            "remote": _("The service failed to answer: %(detail)s"),
            "unreachable": _("The service could not be reached. Check the connection and try again."),
            "timeout": _("The service did not answer in time."),
            "http": _("The service answered with an HTTP error: %(detail)s"),
            "protocol": _("The service gave an answer this module does not understand: %(detail)s"),
        }
        message = getattr(error, "user_message", None) or (
            messages.get(error.error_type, _("The request failed: %(detail)s")) % {"detail": error.message}
        )
        if error.maybe_charged:
            message += " " + _(
                "The service may have charged credits for it anyway: check the balance before you retry."
            )
        alternative = self._other_usable_provider(self.company_id, self.provider)
        if error.error_type in ("unreachable", "timeout") and alternative:
            message += " " + _("%(provider)s can take this request now.",
                               provider=dict(provider_selection(self))[alternative])
        return message

    def _prepare_lead_values(self, items):
        """Values of one lead of this request per answer item."""
        self.ensure_one()
        vals_list = self.env["crm.iap.lead.helpers"]._prepare_lead_values_batch(
            items, self.lead_type, self.team_id.id, self.tag_ids.ids, self.user_id.id,
        )
        source = self.env.ref("crm_iap_mine.utm_source_lead_generation", raise_if_not_found=False)
        # The stage crm would find for each lead (the first unfolded one of
        # the team), found once for all: they share their team.
        stage = self.env["crm.lead"]._stage_find(team_id=self.team_id.id, domain=[("fold", "=", False)])
        for vals in vals_list:
            vals.update(lead_mining_request_id=self.id, company_id=self.company_id.id,
                        source_id=source.id if source else False, stage_id=stage.id)
        return vals_list

    def _create_leads(self, items):
        """Create one lead per item with one enrichment note each, in bulk."""
        self.ensure_one()
        vals_list = self._prepare_lead_values(items)
        # Every lead shares the same salesperson and team: subscribe their
        # followers once for the batch, instead of mail's per-lead
        # auto-subscription. One note per lead is ours (no creation message),
        # and the salesperson gets one summary, not one e-mail per lead.
        leads = self.env["crm.lead"].with_context(tracking_disable=True).create(vals_list)
        leads.with_context(mail_auto_subscribe_no_notify=True)._message_auto_subscribe(
            {"team_id": self.team_id.id, "user_id": self.user_id.id}, followers_existing_policy="update",
        )
        self._log_notes(leads, self._render_enrichment_notes(leads, items))
        # A lead mined from the directory is linked to its company from the start.
        leads.filtered(lambda lead: (lead.reveal_id or "").startswith("directory-"))._directory_match()
        return leads

    def _drop_blacklisted_contacts(self, items):
        """Remove contacts (and company e-mails) on the mail blacklist from the
        answer, so they reach neither a lead nor a note; return how many
        contacts were dropped."""
        # Each address normalized once (a thousand contacts: a sizeable share
        # of a big request otherwise).
        normalized = {
            email: email_normalize(email)
            for item in items
            for email in [person.get("email") for person in item["people_data"]] + list(item["company_data"].get("email") or [])
            if email
        }
        emails = {email for email in normalized.values() if email}
        if not emails:
            return 0
        blacklisted = set(self.env["mail.blacklist"].sudo().search([("email", "in", list(emails))]).mapped("email"))
        if not blacklisted:
            return 0
        dropped = 0
        for item in items:
            people = item["people_data"]
            item["people_data"] = [p for p in people if normalized.get(p.get("email")) not in blacklisted]
            dropped += len(people) - len(item["people_data"])
            company = item["company_data"]
            company["email"] = [e for e in company.get("email") or [] if normalized.get(e) not in blacklisted]
        return dropped

    @api.model
    def _log_notes(self, records, bodies):
        """Log one note per record ({record id: body}) with each body
        sanitized once.

        mail.message's create sanitizes an HTML body twice (for the column,
        then for the cache), and sanitizing is most of the cost of a mined
        lead. The notes are created empty, then get their body sanitized by
        the field's own conversion, so what is stored is what create would
        have stored.
        """
        messages = records._message_log_batch(bodies=dict.fromkeys(bodies, ""))
        body_field = messages._fields["body"]
        sanitized = [body_field.convert_to_column(bodies[message.res_id], message) for message in messages]
        self.env.cr.execute("""
            UPDATE mail_message m SET body = note.body
              FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::text[]) AS body) note
             WHERE m.id = note.id
        """, (messages.ids, sanitized))
        messages.invalidate_recordset(["body"])
        return messages

    def _render_enrichment_notes(self, leads, items, flavor_text=None):
        """{record id: note} rendered from the answer (QWeb escapes everything)."""
        flavor_text = flavor_text or _("Created by Lead Generation (request %(name)s).", name=self.name)
        qweb = self.env["ir.qweb"]
        notes = {}
        for lead, item in zip(leads, items):
            # Why a directory company was picked, when the request ranks by likeness.
            text = f"{flavor_text} {item['lookalike_reason']}" if item.get("lookalike_reason") else flavor_text
            values = dict(item["company_data"], flavor_text=text, people_data=item["people_data"])
            notes[lead.id] = qweb._render("iap_mail.enrich_company", values, minimal_qcontext=True)
        return notes

    def _notify_salesperson(self, count):
        """One notification for the whole request, not one per lead."""
        user = self.user_id
        if not count or not user or user == self.env.user:
            return
        self._post_to_inbox(user, self._assignment_summary(count))

    def _assignment_summary(self, count):
        """The salesperson's summary: one whole sentence per lead type and
        number, so that each language can make its words agree."""
        if self.lead_type == "lead":
            if count == 1:
                return _("A new lead from request %(name)s was assigned to you.", name=self.name)
            return _("%(count)s new leads from request %(name)s were assigned to you.",
                     count=formatLang(self.env, count, digits=0), name=self.name)
        if count == 1:
            return _("A new opportunity from request %(name)s was assigned to you.", name=self.name)
        return _("%(count)s new opportunities from request %(name)s were assigned to you.",
                 count=formatLang(self.env, count, digits=0), name=self.name)

    def _post_to_inbox(self, user, message):
        """A note on the request that also lands in `user`'s inbox.

        Posted by the system (OdooBot), not by the current user: who submits
        or runs a request may have no e-mail address, and mail refuses to send
        from nobody.
        """
        self.sudo().message_post(
            body=Markup("<p>%s</p>") % message, partner_ids=user.partner_id.ids,
            author_id=self.env.ref("base.partner_root").id,
            message_type="notification", subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # State machine: every change of `state` goes through `_update_state`
    # (crm.iap.lead.state.mixin), whose moves are REQUEST_STATE_TRANSITIONS
    # ------------------------------------------------------------------

    def _set_queued(self, values=None):
        return self._update_state("queued", values)

    def _set_running(self, values=None):
        return self._update_state("running", values)

    def _set_recurring(self, values=None):
        return self._update_state("recurring", values)

    def _set_paused(self, values=None):
        return self._update_state("paused", values)

    def _set_done(self, values=None):
        return self._update_state("done", values)

    def _set_error(self, error_type, message):
        return self._update_state("error", {"error_type": error_type, "error_message": message})

    def _set_cancel(self, values=None):
        return self._update_state("cancel", values)

    def _set_draft(self):
        return self._update_state("draft", {"error_type": False, "error_message": False})

    def _on_state_reached(self, target_state):
        if target_state in SETTLED_STATES:
            self._settle_credits()

    def _state_refusal(self, target_state):
        """The sentence refusing to move this request to `target_state`."""
        values = {"name": self.name, "state": self._state_label(self.state)}
        if target_state in ("queued", "running", "recurring"):
            return _(
                "Request %(name)s cannot be started: its status is “%(state)s”. "
                "Reload the page to see where it stands; to mine again, duplicate it.", **values,
            )
        if target_state == "paused":
            return _("Request %(name)s cannot be paused: its status is “%(state)s”.", **values)
        if target_state == "cancel":
            return _("Request %(name)s cannot be cancelled: its status is “%(state)s”.", **values)
        if target_state == "draft":
            return _("Request %(name)s cannot be reset to draft: its status is “%(state)s”.", **values)
        return _(
            "Request %(name)s cannot go from “%(state)s” to “%(target)s”.",
            target=self._state_label(target_state), **values,
        )

    def _settle_credits(self):
        """Give back what the requests still hold (reserved credits...).

        Called whenever they reach a state where they hold nothing, and when
        they are deleted. Nothing by default.
        """
        return None

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_progress(self):
        """Requests with work waiting cannot be deleted (their reservation and
        their runs would be orphaned); what the others hold is given back."""
        busy = self.filtered(lambda request: request.state in UNDELETABLE_STATES)
        if busy:
            raise UserError(_(
                "Request %(name)s cannot be deleted while its status is “%(state)s”: cancel or stop it first.",
                name=busy[0].name, state=busy[0]._state_label(busy[0].state),
            ))
        self._settle_credits()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_submit(self):
        self.ensure_one()
        self._check_submittable()
        if self.name in (_("New"), "New"):
            self.name = self.env["ir.sequence"].next_by_code("crm.iap.lead.mining.request") or _("New")
        return self._submit()

    def _submit(self):
        """Run the request now; say what was created, or show the error."""
        if self._mine():
            return self._action_notify_created()
        return self._action_show_error()

    def _created_message(self):
        """A short sentence saying how many leads the request created."""
        count = self.lead_count
        if self.lead_type == "lead":
            if count == 1:
                return _("1 lead created.")
            return _("%(count)s leads created.", count=formatLang(self.env, count, digits=0))
        if count == 1:
            return _("1 opportunity created.")
        return _("%(count)s opportunities created.", count=formatLang(self.env, count, digits=0))

    def _action_view_leads(self):
        return self.action_get_lead_action() if self.lead_type == "lead" else self.action_get_opportunity_action()

    def _action_notify_created(self):
        """Close the dialog (the view behind reloads) and say what was created,
        with a button to see exactly those leads."""
        message = self.result_summary or self._created_message()
        return {
            "type": "ir.actions.client",
            "tag": "crm_iap_mine_leads_created",
            "params": {
                "title": _("Request %(name)s", name=self.name),
                "message": message,
                "button": _("View"),
                "action": self._action_view_leads() if self.lead_count else False,
                # Stays until closed, like the background one: the View button must wait for the user.
                "sticky": bool(self.lead_count),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _action_close_with_notice(self, title, message):
        """Close the dialog and say what will happen next."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info", "title": title, "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _action_show_error(self):
        if self.env.context.get("is_modal"):
            # Reopen the dialog on the same record: it shows the error.
            return {
                "name": _("Generate Leads"),
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": self.id,
                "views": [[False, "form"]],
                "target": "new",
                "context": self.env.context,
            }
        return True

    def action_draft(self):
        self._set_draft()

    def action_close_after_error(self):
        """*Cancel* of the dialog showing an error: a request that never got
        anywhere is discarded (the list does not fill with orphans); one that
        left a trace is kept, and the user is told where it went."""
        self.ensure_one()
        if self._is_discardable_after_error():
            self.unlink()
            return {"type": "ir.actions.act_window_close"}
        return self._action_close_with_notice(
            _("Request %(name)s kept", name=self.name),
            _("Saved as %(name)s, in Error: retry it from Lead Mining Requests "
              "(CRM > Configuration > Lead Generation).", name=self.name),
        )

    def _is_discardable_after_error(self):
        """Whether this request in error left nothing worth keeping: nothing
        created, charged or reserved, no ledger line, no stored answer of a
        paid service, and no timeout (the service may have charged then)."""
        self.ensure_one()
        if self.state != "error" or self.error_type == "timeout" or self.parent_id or self.is_recurring:
            return False
        if self.lead_count or self.mined_count or self.credits_charged or self.held_credits:
            return False
        request_domain = [("request_id", "=", self.id)]
        return not (self.env["crm.iap.lead.credit.line"].sudo().search_count(request_domain, limit=1)
                    or self.env["crm.iap.lead.mining.answer"].sudo().search_count(request_domain, limit=1))

    @api.model
    def get_credit_balance(self, provider, company_id=False):
        """The balance of `provider` for the dialog's cost line: its
        sentence and its number (None when unknown)."""
        self.check_access_rights("read")
        balance = self._balance_for(provider, company_id)
        return {"text": self._balance_sentence(balance), "balance": balance}

    @api.model
    def get_credit_balance_text(self, provider, company_id=False):
        """The balance sentence of `provider` for the dialog and the settings,
        which ask for it once displayed, so that a slow service never holds
        the page."""
        self.check_access_rights("read")
        return self._balance_sentence(self._balance_for(provider, company_id))

    @api.model
    def _balance_for(self, provider, company_id):
        """The credits left for `provider` (the default one when empty: the
        settings leave it empty until chosen) in the user's company
        `company_id` (else the current one); None when unknown."""
        company = self.env["res.company"].browse(company_id) if company_id in self.env.user.company_ids.ids else self.env.company
        provider = provider or self._default_provider()
        # A public method's argument: only a provider's code names a model to ask.
        if provider not in dict(provider_selection(self)):
            return None
        return self._provider_model(provider)._get_balance(company)

    @api.model
    def _balance_sentence(self, balance):
        if balance is None:
            return _("Balance: unknown (the service cannot be reached right now).")
        return _("Balance: %(balance)s credits.", balance=formatLang(self.env, balance, digits=0))

    @api.model
    def get_provider_warning(self, provider, company_id=False):
        """For the dialog, before anything is submitted: False, or what to
        say when `provider`'s service could not be reached for its balance
        (the probe is cached: asking costs no second wait), with another
        provider to switch to when there is one."""
        self.check_access_rights("read")
        company = self.env["res.company"].browse(company_id) if company_id in self.env.user.company_ids.ids else self.env.company
        labels = dict(provider_selection(self))
        if provider not in labels or self._provider_model(provider)._get_balance(company) is not None:
            return False
        alternative = self._other_usable_provider(company, provider)
        if not alternative:
            return {"alternative": False, "message": _(
                "%(provider)s cannot be reached right now: a request would probably fail. Try again later.",
                provider=labels[provider],
            )}
        return {
            "alternative": alternative,
            "message": _("%(provider)s cannot be reached right now: a request would probably fail.",
                         provider=labels[provider]),
            "button": _("Use %(provider)s instead", provider=labels[alternative]),
        }

    @api.model
    def _other_usable_provider(self, company, provider):
        """Another provider the dialog may offer `company` when `provider`
        is out of reach, or False."""
        codes = [code for code, _label in provider_selection(self) if code != provider]
        return next((code for code in codes if self._provider_model(code)._is_usable(company)), False)

    def action_buy_credits(self):
        self.ensure_one()
        return self._action_buy_credits()

    def action_get_lead_action(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("crm.crm_lead_all_leads")
        action["domain"] = [("id", "in", self.lead_ids.ids), ("type", "=", "lead")]
        action["context"] = {"create": False}
        return action

    def action_get_opportunity_action(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("crm.crm_lead_opportunities")
        action["domain"] = [("id", "in", self.lead_ids.ids), ("type", "=", "opportunity")]
        action["context"] = {"create": False}
        return action

    @api.model
    def get_empty_list_help(self, help_message):
        if not is_html_empty(help_message):
            return help_message
        return super().get_empty_list_help(
            Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>') % (
                _("No lead mining request yet"),
                _("Press Generate Leads in the pipeline or the leads list: choose countries, "
                  "industries and company size, and new leads arrive assigned to your team."),
            )
        )
