"""The *Odoo IAP* provider: Odoo's paid lead-mining service, over JSON-RPC."""
import time

from odoo import _, fields, models

from .lead_mining_client import LeadMiningClient, LeadMiningError

DEFAULT_REVEAL_ENDPOINT = "https://iap-services.odoo.com"
DEFAULT_IAP_ENDPOINT = "https://iap.odoo.com"
MAX_LEADS_PER_REQUEST = 200
# Seconds; the service may take minutes for 200 companies with contacts.
DEFAULT_TIMEOUT = 300
# The service only has state data worth filtering on for these countries.
STATE_FILTER_COUNTRIES = {"AR", "AU", "BR", "CA", "IN", "MY", "MX", "NZ", "AE", "US"}
BALANCE_CACHE_SECONDS = 60
# {(dbname, account id): (timestamp, balance or None)}: the settings page and
# every keystroke in the dialog would otherwise call the service.
_balance_cache = {}


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    provider = fields.Selection(
        selection_add=[("iap", "Odoo IAP")], ondelete={"iap": "set default"},
    )

    def _get_max_lead_number(self):
        if self.provider != "iap":
            return super()._get_max_lead_number()
        return MAX_LEADS_PER_REQUEST

    def _get_state_filter_countries(self):
        if self.provider != "iap":
            return super()._get_state_filter_countries()
        return self.country_ids.filtered(lambda country: country.code in STATE_FILTER_COUNTRIES)

    def _get_credit_balance(self):
        if self.provider != "iap":
            return super()._get_credit_balance()
        account = self.env["iap.account"].sudo().get("reveal")
        key = (self.env.cr.dbname, account.id)
        cached = _balance_cache.get(key)
        if cached and time.monotonic() - cached[0] < BALANCE_CACHE_SECONDS:
            return cached[1]
        try:
            balance = self._iap_client(account).get_balance("reveal")
        except LeadMiningError:
            balance = None
        _balance_cache[key] = (time.monotonic(), balance)
        return balance

    def _fetch_companies(self):
        if self.provider != "iap":
            return super()._fetch_companies()
        result = self._iap_client(self.env["iap.account"].sudo().get("reveal")).mine(self._prepare_iap_payload())
        # The service debits what it returns, malformed items included.
        result.charged = self._iap_cost(len(result.items) + result.malformed, result.items)
        _balance_cache.clear()
        return result

    def _record_remote_charges(self, result):
        """The service charged for everything it returned, created or not."""
        if self.provider != "iap":
            return super()._record_remote_charges(result)
        known_ids = {id(item) for item in result.known_items}
        known = [item for item in result.items if id(item) in known_ids]
        new = [item for item in result.items if id(item) not in known_ids]
        self.credits_charged = result.charged
        reference = False if self.state == "done" else _("Charged by the service; no lead was created.")
        self.env["crm.iap.lead.credit.line"]._record(self.company_id, "iap", [
            (-len(new), "companies"),
            (-self._iap_cost(0, new), "contacts"),
            (-self._iap_cost(len(known), known), "known"),
            (-result.malformed, "malformed"),
            (-self.blacklisted_count, "blacklisted"),
        ], request=self, reference=reference, local_balance=False)

    def _action_buy_credits(self):
        if self.provider != "iap":
            return super()._action_buy_credits()
        return {
            "type": "ir.actions.act_url",
            "url": self.env["iap.account"].get_credits_url(service_name="reveal"),
        }

    def _iap_client(self, account):
        params = self.env["ir.config_parameter"].sudo()
        return LeadMiningClient(
            reveal_endpoint=params.get_param("reveal.endpoint", DEFAULT_REVEAL_ENDPOINT),
            iap_endpoint=params.get_param("iap.endpoint", DEFAULT_IAP_ENDPOINT),
            account_token=account.sudo().account_token,
            dbuuid=params.get_param("database.uuid"),
            timeout=float(params.get_param("crm_iap_mine.iap_timeout") or DEFAULT_TIMEOUT),
        )

    def _iap_cost(self, companies, items):
        """1 credit per company returned, 1 per contact."""
        return companies + sum(len(item["people_data"]) for item in items)

    def _prepare_iap_payload(self):
        """The `data` the lead-mining service expects."""
        self.ensure_one()
        payload = {
            "lead_number": self.lead_number,
            "search_type": self.search_type,
            "countries": [{
                "code": country.code,
                "states": self.state_ids.filtered(lambda state, c=country: state.country_id == c).mapped("code"),
            } for country in self.country_ids],
        }
        if self.filter_on_size:
            payload["company_size_min"] = self.company_size_min
            payload["company_size_max"] = self.company_size_max
        if self.industry_ids:
            payload["industry_ids"] = self.industry_ids._get_reveal_ids()
        if self.search_type == "people":
            payload["contact_number"] = self.contact_number
            payload["contact_filter_type"] = self.contact_filter_type
            if self.contact_filter_type == "role":
                payload["preferred_role"] = self.preferred_role_id.reveal_id
                payload["other_roles"] = self.role_ids.mapped("reveal_id")
            else:
                payload["seniority"] = self.seniority_id.reveal_id
        return payload
