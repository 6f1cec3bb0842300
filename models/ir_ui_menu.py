from odoo import api, models

# Menus of the lead-mining service, shown only while this database serves its directory.
SERVICE_MENUS = (
    "crm_iap_mine.crm_menu_lead_generation_service",
    "crm_iap_mine.crm_iap_lead_service_client_menu",
    "crm_iap_mine.crm_iap_lead_service_call_menu",
)


class IrUiMenu(models.Model):
    _inherit = "ir.ui.menu"

    @api.model
    def _visible_menu_ids(self, debug=False):
        """Override of `base` to hide the service's menus while the service is off.

        Turning the service on or off writes a system parameter, which clears
        the registry's caches: the menus follow at the next page load.
        """
        visible = super()._visible_menu_ids(debug)
        if self.env["crm.iap.lead.service.call"]._is_service_enabled():
            return visible
        hidden = {self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=False) for xmlid in SERVICE_MENUS}
        return visible - hidden
