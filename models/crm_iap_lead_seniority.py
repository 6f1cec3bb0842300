from odoo import fields, models


class CrmIapLeadSeniority(models.Model):
    """A contact's seniority (Director, Executive, Manager) for the service."""

    _name = "crm.iap.lead.seniority"
    _description = "Lead Mining Contact Seniority"
    _order = "id"

    name = fields.Char(string="Seniority", required=True, translate=True)
    reveal_id = fields.Char(string="IAP Seniority ID", required=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A seniority with this name already exists."),
    ]
