"""To 17.0.7.0.0, before the models are loaded: the picking indexes of the
directory now include `employees_max` (the size filter's band overlap),
under new names; drop those of 17.0.4.0.0. A register import staged before
the upgrade gets the new staging column. Idempotent."""

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
    # An import in progress resumes after the upgrade: its staging table
    # (crm_iap_register_staging_<import id>) needs the column the loader writes.
    cr.execute(r"""
        SELECT tablename FROM pg_tables
         WHERE schemaname = current_schema() AND tablename ~ '^crm_iap_register_staging_\d+$'
    """)
    for table, in cr.fetchall():
        cr.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS employees_max integer')
