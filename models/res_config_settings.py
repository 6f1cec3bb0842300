from odoo import api, fields, models

from ..tools.protocols import DEFAULT_PROTOCOL
from .crm_iap_lead_directory_event import EVENT_RETENTION_DAYS, EVENT_RETENTION_PARAM
from .crm_iap_lead_mining_request import provider_selection
from .crm_iap_lead_register_import import WATCH_ACTIVITY_DEFAULT, WATCH_ACTIVITY_PARAM, WATCHED_KINDS
from .crm_iap_lead_provider_iap import PROTOCOL_PARAM, PROTOCOL_SELECTION
from .crm_iap_lead_service_client import CONTACT_EMAIL_PARAM, CONTACT_NAME_PARAM, CONTACT_TEXT_PARAM, SERVICE_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lead_mining_provider = fields.Selection(
        selection=provider_selection,
        config_parameter="crm_iap_mine.default_provider",
        # The view requires a provider: without a stored one, saving any
        # settings page would fail on this field.
        default=lambda self: self.env["crm.iap.lead.mining.request"]._default_provider(),
    )
    lead_mining_iap_protocol = fields.Selection(
        PROTOCOL_SELECTION, string="Service Protocol", default=DEFAULT_PROTOCOL,
        config_parameter=PROTOCOL_PARAM,
        help="What the Odoo IAP lead-mining service speaks: Dun & Bradstreet (companies only) "
        "on Odoo's service today; Clearbit (companies and contacts) for services that still speak it.",
    )
    lead_mining_retention_days = fields.Integer(
        string="Archive Untouched Mined Leads After (days)",
        config_parameter="crm_iap_mine.retention_days",
        help="Mined leads nobody worked on for this many days are archived every night (0: never).",
    )
    lead_mining_service_enabled = fields.Boolean(
        string="Serve the Company Directory", config_parameter=SERVICE_PARAM,
        help="Other Odoo databases mine this database's company directory over Odoo's lead-mining "
        "protocols, with the tokens of their service client accounts.",
    )
    # What the clients' Buy credits page shows.
    lead_mining_service_contact_name = fields.Char(
        string="Contact for Credits", config_parameter=CONTACT_NAME_PARAM,
        help="Whom clients contact to buy credits. Empty: the name of the company.",
    )
    lead_mining_service_contact_email = fields.Char(
        string="Contact E-mail", config_parameter=CONTACT_EMAIL_PARAM,
        help="Empty: the e-mail of the company.",
    )
    lead_mining_service_contact_text = fields.Char(
        string="Instructions for Clients", config_parameter=CONTACT_TEXT_PARAM,
        help="Shown below the contact, e.g. prices and how to pay.",
    )

    # The register watch: which events give the salesperson an activity
    # (stored as one system parameter, WATCH_ACTIVITY_PARAM), and how long
    # the events are kept.
    register_watch_status = fields.Boolean(
        string="Status Changes", help="Liquidation, administration, receivership, bankruptcy, winding up, "
        "proposed strike-off.")
    register_watch_gone = fields.Boolean(string="Disappearance", help="Dissolved, struck off or closed.")
    register_watch_back = fields.Boolean(
        string="Reappearance",
        help="A company that had left its register (dissolved, struck off or closed) is listed again.")
    register_watch_address = fields.Boolean(string="Address Changes")
    register_watch_name = fields.Boolean(string="Name Changes")
    register_event_retention_days = fields.Integer(
        string="Keep Register Events (days)", config_parameter=EVENT_RETENTION_PARAM, default=EVENT_RETENTION_DAYS)

    @api.model
    def get_values(self):
        values = super().get_values()
        kinds = self.env["ir.config_parameter"].sudo().get_param(WATCH_ACTIVITY_PARAM, WATCH_ACTIVITY_DEFAULT)
        kinds = set((kinds or "").split(","))
        values.update({f"register_watch_{kind}": kind in kinds for kind in WATCHED_KINDS})
        return values

    def set_values(self):
        result = super().set_values()
        kinds = [kind for kind in WATCHED_KINDS if self[f"register_watch_{kind}"]]
        # None ticked: a list naming none (an empty parameter is deleted, and means the default).
        self.env["ir.config_parameter"].sudo().set_param(WATCH_ACTIVITY_PARAM, ",".join(kinds) or ",")
        return result

    @api.model
    def _init_lead_mining_provider(self):
        """Store the default provider unless one is chosen already; called
        at install and at every upgrade (data/ir_config_parameter_data.xml)."""
        params = self.env["ir.config_parameter"].sudo()
        if not params.get_param("crm_iap_mine.default_provider"):
            params.set_param("crm_iap_mine.default_provider", self.env["crm.iap.lead.mining.request"]._default_provider())
