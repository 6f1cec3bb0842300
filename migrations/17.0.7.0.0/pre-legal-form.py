"""17.0.7.0.0: register imports carry a legal form. The staging tables of
an import interrupted by the upgrade get the column, so that it resumes."""


def migrate(cr, version):
    cr.execute("""
        SELECT table_name FROM information_schema.tables
         WHERE table_schema = current_schema()
           AND (table_name LIKE 'crm\\_iap\\_register\\_staging\\_%'
                OR table_name LIKE 'crm\\_iap\\_register\\_units\\_%')
    """)
    for (table,) in cr.fetchall():
        cr.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS legal_form varchar')
