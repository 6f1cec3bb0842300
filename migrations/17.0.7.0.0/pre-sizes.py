"""To 17.0.7.0.0, before the models are loaded: the picking indexes of the
directory now include `employees_max` (the size filter's band overlap),
under new names; drop those of 17.0.4.0.0. A register import staged before
the upgrade gets the new staging column. Idempotent."""

from odoo.addons.crm_iap_mine.tools.registers.loader import upgrade_staging_tables

# CREATE INDEX IF NOT EXISTS (the model's init) would keep an older
# definition under an unchanged name.
REPLACED_INDEXES = (
    "crm_iap_lead_directory_company_deliverable_key_idx",
    "crm_iap_lead_directory_company_deliverable_fresh_idx",
    "crm_iap_lead_directory_company_deliverable_rotation_idx",
)


def migrate(cr, version):
    if not version:
        return
    for name in REPLACED_INDEXES:
        cr.execute(f'DROP INDEX IF EXISTS "{name}"')
    # An import in progress resumes after the upgrade with the columns the loader writes.
    upgrade_staging_tables(cr)
