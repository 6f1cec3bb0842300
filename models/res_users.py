from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    lead_mining_gdpr_ack_date = fields.Datetime(
        string="Lead Generation Data-Protection Notice Acknowledged", readonly=True, copy=False,
        help="When this user confirmed, before their first lead mining request, that they read the notice.",
    )
