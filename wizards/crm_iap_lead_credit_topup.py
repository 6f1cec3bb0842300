from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

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
        self._check_allowed()
        self.env["crm.iap.lead.credit.line"]._record(
            self.company_id, self.provider, [(self.amount, "topup")], reference=self.reference,
            service_client=self.service_client_id or None,
        )
        return {"type": "ir.actions.act_window_close"}

    def _check_allowed(self):
        """The ledger writes balances in SQL: who may add credits, and where,
        is checked here. A sales manager tops up the balances of their own
        companies; a service client's credits need an administrator, and go
        to the client's own company."""
        if self.service_client_id:
            self.env["crm.iap.lead.service.client"]._check_administrator()
        if not self.env.su and self.company_id not in self.env.user.company_ids:
            raise AccessError(_("You may only add credits to your own companies."))
        if self.service_client_id and self.service_client_id.sudo().company_id != self.company_id:
            raise UserError(_("A service client's credits go to the client's own company."))
