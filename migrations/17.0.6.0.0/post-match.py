"""To 17.0.6.0.0: the normalised name of every directory company (matching
by name and postcode), in SQL, by ranges of ids so that no statement holds
millions of row versions at once. Idempotent: only empty keys are filled."""
from odoo.addons.crm_iap_mine.tools.company_names import name_key_sql

BATCH = 200000


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT min(id), max(id) FROM crm_iap_lead_directory_company WHERE name_key IS NULL")
    first, last = cr.fetchone()
    if first is None:
        return
    for start in range(first, last + 1, BATCH):
        cr.execute(f"""
            UPDATE crm_iap_lead_directory_company SET name_key = {name_key_sql("name")}
             WHERE id >= %s AND id < %s AND name_key IS NULL
        """, [start, start + BATCH])
