"""New companies: the founding-date filter of a request, for the company
directory only (Odoo's IAP service cannot filter on it, and the protocols of
the lead-mining service we serve cannot carry it). The engine applies it in
SQL (`crm.iap.lead.directory.search._filters`)."""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

from .crm_iap_lead_provider_directory import PROVIDER as DIRECTORY


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    filter_on_founding = fields.Boolean(
        string="Filter on Founding Date",
        help="Only companies whose founding date is known, from their register's date of incorporation. "
        "A company known only by its founding year matches when that whole year lies within the dates.",
    )
    founding_filter_type = fields.Selection(
        [("recent", "In the last days"), ("range", "Between dates")],
        string="Founded", default="recent",
    )
    founded_within_days = fields.Integer(
        string="Founded in the Last (Days)", default=31,
        help="Counted back from the day each run picks its companies: a request repeated every month "
        "with 31 days brings each month the companies founded since the last run.",
    )
    founded_from = fields.Date(help="Empty: no earliest date.")
    founded_to = fields.Date(help="Empty: no latest date.")
    # The day the request started picking: "the last N days" count back from
    # it, for all its batches (a background request may run past midnight).
    founding_reference_date = fields.Date(copy=False, readonly=True)

    def _founding_filter_applies(self):
        return self.filter_on_founding and self.provider == DIRECTORY

    def _founded_range(self):
        """(first day, last day) of the founding-date filter, either None
        when open, or None when the request does not filter on it."""
        self.ensure_one()
        if not self._founding_filter_applies():
            return None
        if self.founding_filter_type == "range":
            return self.founded_from or None, self.founded_to or None
        if not self.mined_count or not self.founding_reference_date:
            self.sudo().founding_reference_date = fields.Date.context_today(self)
        today = self.founding_reference_date
        return today - timedelta(days=self.founded_within_days), today

    def _founding_filter_error(self):
        """Why the founding-date filter is invalid, or None."""
        if self.founding_filter_type == "range":
            if not self.founded_from and not self.founded_to:
                return _("Founded between dates: enter the first date, the last date, or both.")
            if self.founded_from and self.founded_to and self.founded_from > self.founded_to:
                return _(
                    "Founded between dates: the first date (%(first)s) must not be after the last one (%(last)s).",
                    first=fields.Date.to_string(self.founded_from), last=fields.Date.to_string(self.founded_to),
                )
        elif self.founded_within_days < 1:
            return _("Founded in the last days: enter a number of days of at least 1 (you typed %(typed)s).",
                     typed=formatLang(self.env, self.founded_within_days, digits=0))
        return None

    @api.onchange("filter_on_founding", "founding_filter_type", "founded_within_days", "founded_from", "founded_to")
    def _onchange_founding_filter(self):
        self._onchange_clear_stale_error()
        error = self._founding_filter_applies() and self._founding_filter_error()
        return self._warning(error) if error else None

    @api.constrains("provider", "filter_on_founding", "founding_filter_type", "founded_within_days",
                    "founded_from", "founded_to")
    def _check_founding_filter(self):
        for request in self:
            # Ignored (and hidden) with another provider: never in the way there.
            error = request._founding_filter_applies() and request._founding_filter_error()
            if error:
                raise ValidationError(error)
