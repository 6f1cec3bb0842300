"""To 17.0.8.0.0: register imports stage phones and e-mails (Belgium's KBO
contacts) and the side files of a register of several files. An import
caught mid-way by the upgrade keeps its staging tables: they get the new
columns and table, so that it goes on where it stopped. Idempotent."""
import logging

from odoo.addons.crm_iap_mine.tools.registers.loader import upgrade_staging_tables

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    count = upgrade_staging_tables(cr)
    _logger.info("crm_iap_mine: %s register imports in progress given the staging of phones, e-mails and side files",
                 count)
