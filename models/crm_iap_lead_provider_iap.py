"""The *Odoo IAP* provider: Odoo's paid lead-mining service, over JSON-RPC.

Odoo's service speaks the Dun & Bradstreet protocol (companies only); the
earlier Clearbit protocol (companies and contacts) stays available through the
`crm_iap_mine.iap_protocol` system parameter (CRM settings, *Service
protocol*). See `tools/protocols/`.
"""
import time

from odoo import _, fields, models, release
from odoo.tools import config, formatLang

from ..tools.lead_mining_client import CONNECT_DEADLINE, LeadMiningClient, LeadMiningError, ProtocolMismatchError
from ..tools.protocols import DEFAULT_PROTOCOL, PROTOCOLS
from .crm_iap_lead_provider import ProviderTraits

DEFAULT_REVEAL_ENDPOINT = "https://iap-services.odoo.com"
DEFAULT_IAP_ENDPOINT = "https://iap.odoo.com"
PROTOCOL_PARAM = "crm_iap_mine.iap_protocol"
PROTOCOL_SELECTION = [("dnb", "Dun & Bradstreet"), ("clearbit", "Clearbit (earlier protocol)")]
PROVIDER = "iap"
MAX_LEADS_PER_REQUEST = 200
# Seconds. The call runs inside the user's HTTP request: Odoo kills a worker
# after `limit_time_real` (120 s by default), and a killed worker stores
# nothing, not even the timeout. The timeout stays below that limit.
DEFAULT_TIMEOUT = 100
TIME_LIMIT_MARGIN = 15
# The service only has state data worth filtering on for these countries.
STATE_FILTER_COUNTRIES = {"AR", "AU", "BR", "CA", "IN", "MY", "MX", "NZ", "AE", "US"}
BALANCE_CACHE_SECONDS = 60
# {(dbname, account id): (timestamp, balance or None)}: the dialog and the
# settings ask for the balance on every opening.
_balance_cache = {}


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    provider = fields.Selection(
        selection_add=[(PROVIDER, "Odoo IAP")], ondelete={PROVIDER: "set default"},
    )
    iap_answer_id = fields.Integer(
        string="Settled Service Answer", copy=False, readonly=True,
        help="Last stored answer of the service settled by this request (see crm.iap.lead.mining.answer).",
    )


class CrmIapLeadProviderIap(models.AbstractModel):
    _name = "crm.iap.lead.provider.iap"
    _inherit = "crm.iap.lead.provider"
    _description = "Lead Mining Provider: Odoo IAP"

    def _traits(self):
        return ProviderTraits(contacts=self._iap_protocol().gives_contacts, max_leads=MAX_LEADS_PER_REQUEST)

    def _state_filter_countries(self, request):
        return request.country_ids.filtered(lambda country: country.code in STATE_FILTER_COUNTRIES)

    def _get_balance(self, company):
        account = self._iap_account(company)
        key = (self.env.cr.dbname, account.id)
        cached = _balance_cache.get(key)
        if cached and time.monotonic() - cached[0] < BALANCE_CACHE_SECONDS:
            return cached[1]
        try:
            with self._iap_client(account) as client:
                balance = client.get_balance("reveal")
        except LeadMiningError:
            balance = None
        _balance_cache[key] = (time.monotonic(), balance)
        return balance

    def _fetch_companies(self, request):
        """Ask the service, once per submission.

        The answer is stored through its own committed cursor before anything
        else happens: if this transaction is rolled back and retried by Odoo
        (a serialization failure while creating the leads), the retry finds
        the stored answer and does not pay for the same search again.
        """
        result = self.env["crm.iap.lead.mining.answer"]._find_unsettled(request)
        if result is None:
            protocol = self._iap_protocol()
            try:
                with self._iap_client(self._iap_account(request.company_id)) as client:
                    result = client.mine(protocol, self._prepare_iap_payload(request),
                                         **self._iap_request_context(request, protocol))
            except ProtocolMismatchError as error:
                error.user_message = _(
                    "%(endpoint)s does not speak the %(protocol)s protocol of lead mining: nothing was done "
                    "nor charged. Check the Service protocol of Lead Generation in the CRM settings, "
                    "or the reveal.endpoint system parameter.",
                    endpoint=error.url, protocol=self._iap_protocol_label(protocol),
                )
                raise
            result.answer_id = self.env["crm.iap.lead.mining.answer"]._store(request, result)
        result.items, unusable = self.env["crm.iap.lead.helpers"]._usable_items(result.items)
        result.malformed += unusable
        # The service debits what it returns, malformed items included.
        result.charged = self._iap_cost(len(result.items) + result.malformed, result.items)
        _balance_cache.clear()
        return result

    def _waiting_message(self, request):
        return _(
            "Asking Odoo IAP for %(count)s companies: connecting takes at most %(connect)s seconds, "
            "the answer up to %(answer)s seconds.",
            count=formatLang(self.env, request.lead_number, digits=0), connect=CONNECT_DEADLINE,
            answer=int(self._iap_timeout()),
        )

    def _record_remote_charges(self, request, result, created=0):
        """The service charged for everything it returned, created or not."""
        known_ids = {id(item) for item in result.known_items}
        known = [item for item in result.items if id(item) in known_ids]
        new = [item for item in result.items if id(item) not in known_ids]
        request._write_outcome({"credits_charged": result.charged})
        # This transaction settles the stored answer: a later Retry is a new search.
        request.iap_answer_id = max(request.iap_answer_id, result.answer_id)
        reference = False if created else _("Charged by the service; no lead was created.")
        self.env["crm.iap.lead.credit.line"]._record(request.company_id, PROVIDER, [
            (-self._iap_cost(len(new), []), "companies"),
            (-self._iap_cost(0, new), "contacts"),
            (-self._iap_cost(len(known), known), "known"),
            (-self._iap_cost(result.malformed, []), "malformed"),
            (-self._contact_price() * request.blacklisted_count, "blacklisted"),
        ], request=request, reference=reference, local_balance=False)

    def _action_buy_credits(self, company):
        return {
            "type": "ir.actions.act_url",
            "url": self.env["iap.account"].get_credits_url(service_name="reveal"),
        }

    # ------------------------------------------------------------------
    # IAP helpers
    # ------------------------------------------------------------------

    def _iap_protocol(self):
        """The protocol chosen in the settings (D&B unless told otherwise)."""
        code = self.env["ir.config_parameter"].sudo().get_param(PROTOCOL_PARAM)
        return PROTOCOLS.get(code) or PROTOCOLS[DEFAULT_PROTOCOL]

    def _iap_protocol_label(self, protocol):
        field = self.env["res.config.settings"]._fields["lead_mining_iap_protocol"]
        return dict(field._description_selection(self.env))[protocol.code]

    def _iap_account(self, company):
        """The `reveal` account of `company` (or the shared one), never one
        of another company the user happens to have selected."""
        company = company or self.env.company
        return self.env["iap.account"].sudo().with_context(allowed_company_ids=company.ids).get("reveal")

    def _iap_client(self, account):
        params = self.env["ir.config_parameter"].sudo()
        return LeadMiningClient(
            reveal_endpoint=params.get_param("reveal.endpoint", DEFAULT_REVEAL_ENDPOINT),
            iap_endpoint=params.get_param("iap.endpoint", DEFAULT_IAP_ENDPOINT),
            account_token=account.sudo().account_token,
            dbuuid=params.get_param("database.uuid"),
            timeout=self._iap_timeout(),
        )

    def _iap_timeout(self):
        """The configured read timeout, kept under the worker's real-time limit."""
        timeout = float(self.env["ir.config_parameter"].sudo().get_param("crm_iap_mine.iap_timeout") or DEFAULT_TIMEOUT)
        limit = config.get("limit_time_real") or 0
        if limit > TIME_LIMIT_MARGIN:
            timeout = min(timeout, limit - TIME_LIMIT_MARGIN)
        return max(timeout, 1)

    def _iap_request_context(self, request, protocol):
        """What the protocol sends besides the search itself: only the values
        its `request_context` names are computed (the known reveal ids take a
        query)."""
        values = {
            "db_version": lambda: release.version,
            "db_lang": lambda: self.env.user.lang or self.env.lang,
            "country_code": lambda: request.company_id.country_id.code or None,
            "reveal_ids": lambda: self._known_reveal_ids(request.company_id),
        }
        return {name: values[name]() for name in protocol.request_context}

    def _known_reveal_ids(self, company):
        """Every `reveal_id` of the leads of `company` and of the leads
        without company (archived and lost ones included): the service
        leaves those companies out, so they are not paid for twice; another
        company's leads are not told to the IAP account of this one. One
        query (170-190 ms for 100,000 leads). The directory's own
        identifiers mean nothing to the service."""
        self.env["crm.lead"].flush_model(["reveal_id", "company_id"])
        self.env.cr.execute("""
            SELECT DISTINCT reveal_id FROM crm_lead
             WHERE reveal_id IS NOT NULL AND reveal_id <> '' AND reveal_id NOT LIKE 'directory-%%'
               AND (company_id = %s OR company_id IS NULL)
        """, [company.id])
        return [reveal_id for (reveal_id,) in self.env.cr.fetchall()]

    def _iap_cost(self, companies, items):
        """What the service charges for `companies` companies and the contacts of `items`."""
        return companies * self._company_price() + self._contact_price() * sum(
            len(item["people_data"]) for item in items)

    def _prepare_iap_payload(self, request):
        """The search the lead-mining service expects (`query` for D&B,
        `data` for Clearbit)."""
        request.ensure_one()
        payload = {
            "lead_number": request.lead_number,
            "search_type": request.search_type,
            "countries": [{
                "code": country.code,
                "states": request.state_ids.filtered(lambda state, c=country: state.country_id == c).mapped("code"),
            } for country in request.country_ids],
        }
        if request.filter_on_size:
            payload["company_size_min"] = request.company_size_min
            payload["company_size_max"] = request.company_size_max
        if request.industry_ids:
            payload["industry_ids"] = request.industry_ids._get_reveal_ids()
        if request.search_type == "people":
            payload["contact_number"] = request.contact_number
            payload["contact_filter_type"] = request.contact_filter_type
            if request.contact_filter_type == "role":
                payload["preferred_role"] = request.preferred_role_id.reveal_id
                payload["other_roles"] = request.role_ids.mapped("reveal_id")
            else:
                payload["seniority"] = request.seniority_id.reveal_id
        return payload
