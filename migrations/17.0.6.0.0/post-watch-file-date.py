"""To 17.0.6.0.0: register imports have a file date. Idempotent.

The imports made before the upgrade got the day of the upgrade as their
file date (the field's default): a file of last month imported next would be
refused as older. They get the day they were made, which is no later than
the date of their file; they recorded no events.
"""
import logging

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE crm_iap_lead_register_import
           SET file_date = (create_date at time zone 'UTC')::date
         WHERE events_recorded IS NOT TRUE AND create_date IS NOT NULL
           AND file_date IS DISTINCT FROM (create_date at time zone 'UTC')::date
           AND NOT EXISTS (SELECT 1 FROM crm_iap_lead_directory_event e WHERE e.import_id = crm_iap_lead_register_import.id)
    """)
    _logger.info("crm_iap_mine: %s register imports given the date they were made as their file date", cr.rowcount)
