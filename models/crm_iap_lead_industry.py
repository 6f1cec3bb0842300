from odoo import fields, models


class CrmIapLeadIndustry(models.Model):
    """An industry the user can filter on; maps to one or more IAP sector ids."""

    _name = "crm.iap.lead.industry"
    _description = "Lead Mining Industry"
    _order = "sequence, id"

    name = fields.Char(string="Industry", required=True, translate=True)
    # Comma-separated: the service splits some industries into several sectors.
    reveal_ids = fields.Char(string="IAP Sector IDs", required=True)
    color = fields.Integer(string="Color Index")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    # What "Enrich from the directory" writes as a partner's industry.
    partner_industry_id = fields.Many2one("res.partner.industry")

    _sql_constraints = [
        ("name_uniq", "unique (name)", "An industry with this name already exists."),
    ]

    def _get_reveal_ids(self):
        """All IAP sector ids of these industries, in order, as strings."""
        return [
            sector.strip()
            for industry in self
            for sector in (industry.reveal_ids or "").split(",")
            if sector.strip()
        ]
