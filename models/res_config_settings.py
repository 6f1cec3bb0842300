from odoo import _, api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lead_mining_provider = fields.Selection(
        selection=lambda self: self.env["crm.iap.lead.mining.request"]._fields["provider"]._description_selection(self.env),
        config_parameter="crm_iap_mine.default_provider",
    )
    lead_mining_balance = fields.Char(string="Lead Mining Credits", compute="_compute_lead_mining_balance")

    @api.depends("lead_mining_provider")
    def _compute_lead_mining_balance(self):
        requests = self.env["crm.iap.lead.mining.request"]
        for settings in self:
            balance = requests.new({"provider": settings.lead_mining_provider or requests._default_provider()})._get_credit_balance()
            settings.lead_mining_balance = _("unknown") if balance is None else str(int(balance))
