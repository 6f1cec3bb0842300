"""To 17.0.3.0.0, before the models are loaded: what older databases of
this addon (or of the stock module) hold under older names. Idempotent."""
import logging

from odoo.tools import sql

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")

# Indexes of earlier versions, replaced by others (models' init() creates
# the current ones under new names: CREATE INDEX IF NOT EXISTS would keep an
# older definition under an unchanged name).
HISTORICAL_INDEXES = (
    "crm_iap_lead_directory_company_mining_idx",
    "crm_iap_lead_directory_company_picking_idx",
    "crm_iap_lead_directory_company_pick_idx",
    "crm_iap_lead_directory_company_rotation_idx",
    "crm_iap_lead_directory_company_rotation_key_idx",
    "crm_iap_lead_directory_company_rotation_order_idx",
    "crm_iap_lead_directory_contact_mining_idx",
)
# Register imports end in the states of a request since 17.0.3.0.0.
IMPORT_STATES = {"failed": "error", "cancelled": "cancel"}


def migrate(cr, version):
    if not version:
        return
    for name in HISTORICAL_INDEXES:
        cr.execute(f'DROP INDEX IF EXISTS "{name}"')
    if sql.table_exists(cr, "crm_iap_lead_register_import"):
        for old, new in IMPORT_STATES.items():
            cr.execute("UPDATE crm_iap_lead_register_import SET state = %s WHERE state = %s", (new, old))
            if cr.rowcount:
                _logger.info("crm_iap_mine: %s register imports %s, now %s", cr.rowcount, old, new)
