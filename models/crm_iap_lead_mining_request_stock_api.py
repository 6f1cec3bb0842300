"""The stock module's API, kept for third-party code (modules built on the
stock *Lead Mining* may call these names): thin shims onto this addon's
flow, with no second implementation. Requests themselves do not run through
them: to change how requests run, override the provider hooks instead."""
from odoo import _, api, fields, models
from odoo.tools import formatLang

from ..tools.lead_mining_client import LeadMiningError
from ..tools.protocols import MiningResult
from .crm_iap_lead_mining_request import NoResultError

STOCK_TIMEOUT = 300


def _as_item(data):
    """An answer item as the flow expects it (stock answers may lack people)."""
    return dict(data, company_data=dict(data["company_data"]), people_data=list(data.get("people_data") or []))


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    # The stock dialog's cost tooltip.
    lead_credits = fields.Char(compute="_compute_tooltip", readonly=True)
    lead_contacts_credits = fields.Char(compute="_compute_tooltip", readonly=True)
    lead_total_credits = fields.Char(compute="_compute_tooltip", readonly=True)

    @api.depends("lead_number", "search_type", "contact_number", "estimated_credits")
    def _compute_tooltip(self):
        for request in self:
            companies = max(request.lead_number, 0) * max(request._company_prices().values(), default=0)
            request.lead_credits = _("Credits for the companies: up to %(credits)s.", credits=formatLang(self.env, companies, digits=0))
            request.lead_contacts_credits = _(
                "Credits for their contacts: up to %(credits)s.", credits=formatLang(self.env, request.estimated_credits - companies, digits=0),
            )
            request.lead_total_credits = _("Credits in all: up to %(credits)s.", credits=formatLang(self.env, request.estimated_credits, digits=0))

    def _prepare_iap_payload(self):
        """Stock API: the search this request sends to Odoo's IAP service."""
        return self.env["crm.iap.lead.provider.iap"]._prepare_iap_payload(self)

    def _iap_contact_mining(self, params, timeout=STOCK_TIMEOUT):
        """Stock API: fetch this request's companies from its provider.

        The provider builds the query from the request itself (`params` and
        `timeout` are accepted for compatibility, not used). What the provider
        charged goes to the credit ledger.

        :return: `{"data": [{company_data, people_data}, ...]}`
        :raise LeadMiningError: the provider refused or failed
        """
        self.ensure_one()
        result = self._fetch_companies()
        self._write_outcome({"credits_charged": self.credits_charged + result.charged,
                             "malformed_count": self.malformed_count + result.malformed})
        self._record_remote_charges(result)
        return {"data": result.items}

    def _perform_request(self):
        """Stock API: the answer items of this request, or False when nothing
        came or the provider failed (the error is stored on the request)."""
        self.ensure_one()
        self.write({"error_type": False, "error_message": False})
        try:
            items = self._iap_contact_mining({}, timeout=STOCK_TIMEOUT)["data"]
            if not items:
                raise NoResultError("No company matches the request.")
        except LeadMiningError as error:
            # Called on a draft, as the stock flow does (not queued nor running).
            self._set_error(error.error_type, self._describe_error(error))
            return False
        return items

    def _create_leads_from_response(self, result):
        """Stock API: create the leads of answer items (`_perform_request`),
        through the same delivery as requests: companies already in the CRM
        get a note instead of a second lead. Return the number created."""
        self.ensure_one()
        return self._deliver(MiningResult(items=[_as_item(data) for data in result]))

    def _lead_vals_from_response(self, data):
        """Stock API: the values of the lead of one answer item."""
        self.ensure_one()
        return self._prepare_lead_values([_as_item(data)])[0]
