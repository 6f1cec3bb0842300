"""What a lead-mining provider is: one abstract model per provider,
`crm.iap.lead.provider.<code>` for the code it adds to the request's
`provider` field, describing what it supports and what it costs, and
finding the companies of a request. The request (the flow) asks its
provider; it never names one."""
from dataclasses import dataclass

from odoo import _, models
from odoo.tools import formatLang

# The price of a company or a contact when a provider says nothing else.
CREDITS_PER_COMPANY = 1
CREDITS_PER_CONTACT = 1


@dataclass(frozen=True)
class ProviderTraits:
    """What a provider supports."""

    contacts: bool = True  # finds the contacts of the companies
    max_leads: int = 200  # most leads one request may ask for
    background: bool = False  # mines big requests in batches (its credits are in the ledger, reservable)


class CrmIapLeadProvider(models.AbstractModel):
    """The hooks of a provider, with their defaults."""

    _name = "crm.iap.lead.provider"
    _description = "Lead Mining Provider"

    def _traits(self):
        return ProviderTraits()

    def _is_usable(self, company):
        """Whether the dialog may offer this provider to `company` (e.g. it has data)."""
        return True

    # ------------------------------------------------------------------
    # Prices: the estimate, the cost line, the reservation and the charge
    # all read these
    # ------------------------------------------------------------------

    def _company_price(self, register_code=None):
        """Credits one company costs: of that register, or (None) of the
        provider's own data."""
        return CREDITS_PER_COMPANY

    def _contact_price(self):
        """Credits one contact costs."""
        return CREDITS_PER_CONTACT

    def _price_sources(self, request):
        """The sources (register codes, None for the provider's own data)
        the companies of `request` may come from."""
        return [None]

    # ------------------------------------------------------------------
    # Credits
    # ------------------------------------------------------------------

    def _get_balance(self, company):
        """Credits left for `company`, or None when unknown."""
        return None

    def _action_buy_credits(self, company):
        """Action opening the way to buy credits, or False."""
        return False

    # ------------------------------------------------------------------
    # Mining
    # ------------------------------------------------------------------

    def _state_filter_countries(self, request):
        """Countries (among the request's) whose states may be used as a filter."""
        return request.country_ids

    def _fetch_companies(self, request):
        """Find the next companies of `request` (`request._next_batch_size()` of them).

        :return: `MiningResult` with `items` (list of `{company_data,
          people_data}`), `malformed` (skipped items) and `charged` (credits).
        :raise LeadMiningError: the provider refused or failed; the request
          goes to *Error* with the exception's type and message.
        """
        raise NotImplementedError(f"{self._name} cannot mine.")

    def _waiting_message(self, request):
        """What the dialog says while `request` is being mined."""
        return _("Looking for %(count)s companies…", count=formatLang(self.env, request.lead_number, digits=0))

    def _record_remote_charges(self, request, result, created=0):
        """Write down in the ledger what a remote service charged for `result`,
        of which `created` leads were created (0 when the step failed).

        Providers debiting the ledger themselves (inside `_fetch_companies`)
        have nothing to add.
        """
        return None
