"""17.0.7.0.0: register imports carry a legal form. The staging tables of
an import interrupted by the upgrade (companies and legal units) get the
column, so that it resumes."""
from odoo.addons.crm_iap_mine.tools.registers.loader import upgrade_staging_tables


def migrate(cr, version):
    if version:
        upgrade_staging_tables(cr)
