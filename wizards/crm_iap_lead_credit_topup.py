from odoo import fields, models

from odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request import provider_selection


class CrmIapLeadCreditTopup(models.TransientModel):
    """Record credits bought for a provider that keeps its balance in Odoo."""

    _name = "crm.iap.lead.credit.topup"
    _description = "Lead Mining Credit Top-up"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    provider = fields.Selection(
        selection=provider_selection,
        required=True, default="directory",
    )
    amount = fields.Integer(string="Credits", required=True, default=100)
    reference = fields.Char(required=True, help="Invoice or order number of the purchase.")
    service_client_id = fields.Many2one(
        "crm.iap.lead.service.client",
        help="Credits bought by a client of our lead-mining service, for its own balance.",
    )

    _sql_constraints = [
        ("amount_positive", "CHECK (amount > 0)", "A top-up adds at least one credit."),
    ]

    def action_confirm(self):
        self.ensure_one()
        self.env["crm.iap.lead.credit.line"]._record(
            self.company_id, self.provider, [(self.amount, "topup")], reference=self.reference,
            service_client=self.service_client_id or None,
        )
        return {"type": "ir.actions.act_window_close"}
