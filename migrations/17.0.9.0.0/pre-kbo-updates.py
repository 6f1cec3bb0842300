"""To 17.0.9.0.0, before the models are loaded: register imports read
Belgium's KBO update extracts, whose side rows are staged with their kind
and whose deletions have a staging table of their own. An import caught
mid-way by the upgrade keeps its staging tables: they get the new column and
table, so that it goes on where it stopped. Idempotent."""
import logging

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    cr.execute(r"""
        SELECT substring(tablename from '^crm_iap_register_staging_(\d+)$')::int FROM pg_tables
         WHERE schemaname = current_schema() AND tablename ~ '^crm_iap_register_staging_\d+$'
    """)
    import_ids = [import_id for import_id, in cr.fetchall()]
    for import_id in import_ids:
        cr.execute(f"""
            ALTER TABLE IF EXISTS crm_iap_register_sides_{int(import_id)} ADD COLUMN IF NOT EXISTS kind varchar;
            CREATE UNLOGGED TABLE IF NOT EXISTS crm_iap_register_deletes_{int(import_id)} (
                register_number varchar NOT NULL, kind varchar NOT NULL, line_no integer NOT NULL)
        """)
    _logger.info("crm_iap_mine: %s register imports in progress given the staging of update extracts",
                 len(import_ids))
