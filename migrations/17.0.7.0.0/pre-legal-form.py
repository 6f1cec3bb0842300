"""17.0.7.0.0: register imports carry a legal form. The staging tables of
an import interrupted by the upgrade (companies and legal units) get the
column, so that it resumes."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(r"""
        SELECT tablename FROM pg_tables
         WHERE schemaname = current_schema() AND tablename ~ '^crm_iap_register_(staging|units)_\d+$'
    """)
    for table, in cr.fetchall():
        cr.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS legal_form varchar')
