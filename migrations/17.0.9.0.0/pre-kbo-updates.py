"""To 17.0.9.0.0, before the models are loaded: register imports read
Belgium's KBO update extracts, whose side rows are staged with their kind
and whose deletions have a staging table of their own. An import caught
mid-way by the upgrade keeps its staging tables: they get the new column and
table, so that it goes on where it stopped. Idempotent."""
import logging

from odoo.addons.crm_iap_mine.tools.registers.loader import upgrade_staging_tables

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    count = upgrade_staging_tables(cr)
    _logger.info("crm_iap_mine: %s register imports in progress given the staging of update extracts", count)
