"""The *Company directory* provider: mine the company's own list of
companies and the public registers imported into it (see
`crm_iap_lead_directory_search.py` for the engine)."""
from odoo import _, fields, models
from odoo.tools import formatLang

from ..tools.protocols import MiningResult
from ..tools.registers import ADAPTERS
from .crm_iap_lead_directory_search import DirectoryPrices, DirectorySearch
from .crm_iap_lead_provider import CREDITS_PER_COMPANY, ProviderTraits

PROVIDER = "directory"
MAX_LEADS_PER_REQUEST = 10000


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    provider = fields.Selection(
        selection_add=[(PROVIDER, "Company directory")], ondelete={PROVIDER: "set default"},
    )


class CrmIapLeadProviderDirectory(models.AbstractModel):
    _name = "crm.iap.lead.provider.directory"
    _inherit = "crm.iap.lead.provider"
    _description = "Lead Mining Provider: Company Directory"

    def _traits(self):
        return ProviderTraits(contacts=True, max_leads=MAX_LEADS_PER_REQUEST, background=True)

    def _is_usable(self, company):
        return bool(self.env["crm.iap.lead.directory.company"].search_count(
            [("company_id", "in", [False, company.id])], limit=1,
        ))

    def _company_price(self, register_code=None):
        """1 credit a company of the own directory; a register's companies
        are free data: their price is the system parameter
        `crm_iap_mine.register_credits_per_company.<register>`, 0 by default."""
        if not register_code:
            return CREDITS_PER_COMPANY
        price = self.env["ir.config_parameter"].sudo().get_param(
            f"crm_iap_mine.register_credits_per_company.{register_code}", "0")
        return max(int(price or 0), 0)

    def _prices(self):
        return DirectoryPrices(company=self._company_price, contact=self._contact_price())

    def _price_sources(self, request):
        """The registers covering the request's countries, and the own
        directory when it has companies there (a probe of its index)."""
        if not request.country_ids:
            return [None]
        country_codes = set(request.country_ids.mapped("code"))
        sources = [code for code, adapter in ADAPTERS.items() if adapter.country_code in country_codes]
        self.env["crm.iap.lead.directory.company"].flush_model(["active", "register_code", "country_id", "company_id"])
        self.env.cr.execute("""
            SELECT EXISTS (SELECT 1 FROM crm_iap_lead_directory_company
                            WHERE active AND register_code IS NULL AND country_id = ANY(%s)
                              AND (company_id IS NULL OR company_id = %s))
        """, (request.country_ids.ids, request.company_id.id))
        if self.env.cr.fetchone()[0]:
            sources.append(None)
        return sources

    def _get_balance(self, company):
        return self.env["crm.iap.lead.credit.line"]._get_balance(company, PROVIDER)

    def _action_buy_credits(self, company):
        action = self.env["ir.actions.actions"]._for_xml_id("crm_iap_mine.crm_iap_lead_credit_topup_action")
        action["context"] = {"default_company_id": company.id, "default_provider": PROVIDER}
        return action

    def _waiting_message(self, request):
        return _("Picking %(count)s companies from the directory…",
                 count=formatLang(self.env, request.lead_number, digits=0))

    def _fetch_companies(self, request):
        """Pick the next new companies, debit them and mark them delivered, at once."""

        def charge(delivery):
            self.env["crm.iap.lead.credit.line"]._record(
                request.company_id, PROVIDER, delivery.movements + request._use_held_credits(delivery.cost),
                request=request,
            )

        delivery = self.env["crm.iap.lead.directory.search"]._deliver(self._search(request), self._prices(), charge)
        if not request.mined_count:
            # Later batches would count this request's own earlier leads.
            request._write_outcome({"excluded_count": delivery.excluded})
        if delivery.matching is not None:
            # This request's earlier batches are no candidates any more.
            request._write_outcome({"matching_count": request.mined_count + delivery.matching})
        companies = self.env["crm.iap.lead.directory.company"].browse(delivery.company_ids)
        items = companies._to_service_data(delivery.contacts)
        reasons = request._lookalike_reasons(delivery.company_ids)
        for company_id, item in zip(delivery.company_ids, items):
            if company_id in reasons:
                item["lookalike_reason"] = reasons[company_id]
        return MiningResult(items=items, charged=delivery.cost)

    def _search(self, request):
        """The request's filters as a DirectorySearch."""
        request.ensure_one()
        people = request.search_type == "people"
        by_seniority = people and request.contact_filter_type == "seniority"
        return DirectorySearch(
            company_id=request.company_id.id,
            country_ids=request.country_ids.ids,
            limit=request._next_batch_size(),
            seed=str(request.id),
            state_ids=request.state_ids.ids,
            state_country_ids=request.state_ids.country_id.ids,
            industry_ids=request.industry_ids.ids,
            size_range=(request.company_size_min, request.company_size_max) if request.filter_on_size else None,
            founded_range=request._founded_range(),
            ranking=request._lookalike_ranking(),
            revenue_bounds=request._revenue_bounds(),
            **request._technology_filter(),
            people=people,
            seniority_id=request.seniority_id.id if by_seniority else None,
            role_ids=(request.preferred_role_id | request.role_ids).ids,
            preferred_role_id=request.preferred_role_id.id or 0,
            contact_number=request.contact_number,
            request_id=request.id,
            crm_company_id=request.company_id.id,
        )
