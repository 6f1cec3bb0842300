"""To 17.0.8.0.0, before the models are loaded: the directory learns which
companies refuse advertising (Denmark's CVR, a legal duty). The column is
added with its default at once (PostgreSQL writes no row for it; the ORM
would update every company); the picking indexes leave those companies out,
under new names: drop those of 17.0.7.0.0. A register import staged before
the upgrade gets the new staging columns. Idempotent."""

from odoo.addons.crm_iap_mine.tools.registers.loader import upgrade_staging_tables

# CREATE INDEX IF NOT EXISTS (the model's init) would keep an older
# definition under an unchanged name.
REPLACED_INDEXES = (
    "crm_iap_lead_directory_company_deliverable_band_idx",
    "crm_iap_lead_directory_company_deliverable_band_fresh_idx",
    "crm_iap_lead_directory_company_deliverable_band_rotation_idx",
)


def migrate(cr, version):
    if not version:
        return
    # An upgrade from the stock module has no directory yet: the ORM creates it.
    cr.execute("SELECT to_regclass('crm_iap_lead_directory_company') IS NOT NULL")
    if cr.fetchone()[0]:
        cr.execute("""ALTER TABLE crm_iap_lead_directory_company
                      ADD COLUMN IF NOT EXISTS advertising_protected boolean DEFAULT FALSE""")
    for name in REPLACED_INDEXES:
        cr.execute(f'DROP INDEX IF EXISTS "{name}"')
    # An import in progress resumes after the upgrade with the columns the loader writes.
    upgrade_staging_tables(cr)
