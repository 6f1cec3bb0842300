"""The estimated-revenue filter of a request, for the company directory only
(Odoo's IAP service has no revenue filter, and the protocols of the
lead-mining service we serve cannot carry it). The range is in the request
company's currency; the engine compares it, converted by Odoo's rates, with
each company's revenue in its own currency
(`crm.iap.lead.directory.search._revenue_bounds`)."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

from .crm_iap_lead_provider_directory import PROVIDER as DIRECTORY


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    filter_on_revenue = fields.Boolean(
        string="Filter on Revenue",
        help="Only companies whose estimated annual revenue is known and within the range, "
        "converted into your company's currency with its exchange rates.",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    revenue_min = fields.Monetary(string="Revenue", currency_field="company_currency_id")
    revenue_max = fields.Monetary(
        string="Revenue up to", currency_field="company_currency_id", help="0: no maximum.",
    )
    revenue_known_count = fields.Integer(
        compute="_compute_revenue_known_count",
        help="Companies of the chosen countries in the directory whose revenue is known.",
    )
    revenue_known_summary = fields.Char(compute="_compute_revenue_known_count")

    def _revenue_filter_applies(self):
        return self.filter_on_revenue and self.provider == DIRECTORY

    @api.depends("country_ids", "company_id", "provider", "filter_on_revenue")
    def _compute_revenue_known_count(self):
        # One index-only count per request shown (a partial index of the
        # companies with a revenue), only while the filter is on.
        for request in self:
            count = 0
            if request._revenue_filter_applies() and request.country_ids:
                self.env.cr.execute("""
                    SELECT count(*) FROM crm_iap_lead_directory_company
                     WHERE active AND register_status IS NULL AND estimated_revenue > 0
                       AND country_id = ANY(%s) AND (company_id IS NULL OR company_id = %s)
                """, (request.country_ids.ids, request.company_id.id or None))
                count = self.env.cr.fetchone()[0]
            request.revenue_known_count = count
            request.revenue_known_summary = _(
                "%(count)s companies of these countries have a revenue figure: the others are left out.",
                count=formatLang(self.env, count, digits=0),
            ) if request._revenue_filter_applies() else False

    def _revenue_bounds(self):
        """The revenue filter of the engine (see DirectorySearch.revenue_bounds), or None."""
        self.ensure_one()
        if not self._revenue_filter_applies():
            return None
        return self.env["crm.iap.lead.directory.search"]._revenue_bounds(
            self.revenue_min, self.revenue_max or None, self.company_currency_id, self.company_id,
            self.country_ids.ids, fields.Date.context_today(self),
        )

    def _revenue_filter_error(self):
        """Why the revenue range is invalid, or None."""
        if self.revenue_min < 0 or self.revenue_max < 0:
            return _("The revenue cannot be negative.")
        if self.revenue_max and self.revenue_max < self.revenue_min:
            return _(
                "The revenue must go from %(min)s up to a larger amount, or 0 for no maximum "
                "(you typed %(max)s).",
                min=formatLang(self.env, self.revenue_min, currency_obj=self.company_currency_id),
                max=formatLang(self.env, self.revenue_max, currency_obj=self.company_currency_id),
            )
        return None

    @api.onchange("filter_on_revenue", "revenue_min", "revenue_max")
    def _onchange_revenue_filter(self):
        self._onchange_clear_stale_error()
        error = self._revenue_filter_applies() and self._revenue_filter_error()
        return self._warning(error) if error else None

    @api.constrains("provider", "filter_on_revenue", "revenue_min", "revenue_max")
    def _check_revenue_filter(self):
        for request in self:
            # Ignored (and hidden) with another provider: never in the way there.
            error = request._revenue_filter_applies() and request._revenue_filter_error()
            if error:
                raise ValidationError(error)
