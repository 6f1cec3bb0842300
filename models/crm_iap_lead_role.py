from odoo import fields, models


class CrmIapLeadRole(models.Model):
    """A contact's role (Sales, Finance...) as the lead-mining service knows it."""

    _name = "crm.iap.lead.role"
    _description = "Lead Mining Contact Role"
    _order = "name, id"

    name = fields.Char(string="Role Name", required=True, translate=True)
    reveal_id = fields.Char(string="IAP Role ID", required=True)
    color = fields.Integer(string="Color Index")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A role with this name already exists."),
    ]
