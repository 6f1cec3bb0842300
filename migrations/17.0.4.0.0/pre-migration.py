"""To 17.0.4.0.0, before the models are loaded: the imports of older versions
archived every company missing from their file, so they are complete
snapshots (a new import is a partial file unless the user says otherwise).
Idempotent: only rows without a scope get one. Nothing to do coming from the
stock module (no imports)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT to_regclass('crm_iap_lead_register_import')")
    if not cr.fetchone()[0]:
        return
    cr.execute("ALTER TABLE crm_iap_lead_register_import ADD COLUMN IF NOT EXISTS file_scope varchar")
    cr.execute("UPDATE crm_iap_lead_register_import SET file_scope = 'complete' WHERE file_scope IS NULL")
