"""The technology filter of a request, for the company directory only (Odoo's
IAP service has no such filter, and the protocols of the lead-mining service
we serve cannot carry it): companies using any, or all, of the technologies
chosen among those the directory holds (`crm.iap.lead.technology`)."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .crm_iap_lead_provider_directory import PROVIDER as DIRECTORY


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    filter_on_technologies = fields.Boolean(
        string="Filter on Technologies",
        help="Only companies of the directory known to use the technologies chosen.",
    )
    technology_match = fields.Selection(
        [("any", "Any of"), ("all", "All of")], string="Technologies Used", default="any",
    )
    technology_ids = fields.Many2many("crm.iap.lead.technology", string="Technologies")

    def _technology_filter_applies(self):
        return self.filter_on_technologies and self.provider == DIRECTORY

    def _technology_filter(self):
        """The technology filter of the engine, as DirectorySearch keywords."""
        self.ensure_one()
        if not self._technology_filter_applies():
            return {}
        # Archived ones too: a request keeps what it was given.
        names = self.technology_ids.with_context(active_test=False).mapped("name")
        return {"technologies": names, "all_technologies": self.technology_match == "all"}

    @api.onchange("filter_on_technologies", "technology_match", "technology_ids")
    def _onchange_technology_filter(self):
        self._onchange_clear_stale_error()

    @api.constrains("provider", "filter_on_technologies", "technology_ids")
    def _check_technology_filter(self):
        for request in self:
            if request._technology_filter_applies() and not request.technology_ids:
                raise ValidationError(_("Filter on technologies: choose at least one technology."))
