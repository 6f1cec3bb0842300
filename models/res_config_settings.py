from odoo import _, api, fields, models

from .crm_iap_lead_mining_request import provider_selection


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lead_mining_provider = fields.Selection(
        selection=provider_selection,
        config_parameter="crm_iap_mine.default_provider",
        # The view requires a provider: without a stored one, saving any
        # settings page would fail on this field.
        default=lambda self: self.env["crm.iap.lead.mining.request"]._default_provider(),
    )
    lead_mining_retention_days = fields.Integer(
        string="Archive Untouched Mined Leads After (days)",
        config_parameter="crm_iap_mine.retention_days",
        help="Mined leads nobody worked on for this many days are archived every night (0: never).",
    )
    lead_mining_balance = fields.Char(string="Lead Mining Credits", compute="_compute_lead_mining_balance")

    # company_id: the balance is the company's account's; it is also what gets
    # this computed when the settings form opens (lead_mining_provider is not
    # in the view, and the first onchange only recomputes fields that depend
    # on fields of the view).
    @api.depends("lead_mining_provider", "company_id")
    def _compute_lead_mining_balance(self):
        requests = self.env["crm.iap.lead.mining.request"]
        for settings in self:
            balance = requests.new({"provider": settings.lead_mining_provider or requests._default_provider()})._get_credit_balance()
            settings.lead_mining_balance = _("unknown") if balance is None else str(int(balance))

    @api.model
    def _init_lead_mining_provider(self):
        """Store the default provider unless one is chosen already; called
        at install and at every upgrade (data/ir_config_parameter_data.xml)."""
        params = self.env["ir.config_parameter"].sudo()
        if not params.get_param("crm_iap_mine.default_provider"):
            params.set_param("crm_iap_mine.default_provider", self.env["crm.iap.lead.mining.request"]._default_provider())
