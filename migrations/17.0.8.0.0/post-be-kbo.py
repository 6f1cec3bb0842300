"""To 17.0.8.0.0: register imports stage phones and e-mails (Belgium's KBO
contacts) and the side files of a register of several files. An import
caught mid-way by the upgrade keeps its staging tables: they get the new
columns and table, so that it goes on where it stopped. Idempotent."""
import logging

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        SELECT substring(c.relname from '^crm_iap_register_staging_(\\d+)$')::int
          FROM pg_class c
         WHERE c.relkind = 'r' AND c.relname ~ '^crm_iap_register_staging_\\d+$'
    """)
    import_ids = [import_id for import_id, in cr.fetchall()]
    for import_id in import_ids:
        cr.execute(f"""
            ALTER TABLE crm_iap_register_staging_{int(import_id)}
                ADD COLUMN IF NOT EXISTS phones varchar, ADD COLUMN IF NOT EXISTS emails varchar;
            CREATE UNLOGGED TABLE IF NOT EXISTS crm_iap_register_sides_{int(import_id)} (
                register_number varchar NOT NULL, line_no integer NOT NULL, fields jsonb)
        """)
        # The figures a second file may give (Estonia's tax file), on the legal units' staging.
        cr.execute(f"""
            ALTER TABLE IF EXISTS crm_iap_register_units_{int(import_id)}
                ADD COLUMN IF NOT EXISTS employees integer, ADD COLUMN IF NOT EXISTS estimated_revenue numeric,
                ADD COLUMN IF NOT EXISTS revenue_currency varchar, ADD COLUMN IF NOT EXISTS figures_quarter varchar
        """)
    _logger.info("crm_iap_mine: %s register imports in progress given the staging of phones, e-mails and side files",
                 len(import_ids))
