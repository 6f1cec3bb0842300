from odoo import _, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    lead_mining_request_id = fields.Many2one(
        "crm.iap.lead.mining.request",
        index="btree_not_null", readonly=True, copy=False,
    )

    lead_mining_provider = fields.Selection(related="lead_mining_request_id.provider", string="Mined From")

    def _merge_get_fields(self):
        # Merging keeps the link to the request that found the company.
        return super()._merge_get_fields() + ["lead_mining_request_id"]

    def action_generate_leads(self):
        """Open a new lead mining request in a dialog.

        Opened from the Leads menu it creates leads, from the pipeline
        opportunities (when leads are enabled at all).
        """
        context = {"is_modal": True}
        if self.env.context.get("default_type") in ("lead", "opportunity") and self.env.user.has_group("crm.group_use_lead"):
            context["default_lead_type"] = self.env.context["default_type"]
        return {
            "name": _("Generate Leads"),
            "type": "ir.actions.act_window",
            "res_model": "crm.iap.lead.mining.request",
            "target": "new",
            "views": [[False, "form"]],
            "context": context,
        }
