"""To 17.0.4.0.0: register imports go in committed steps. Idempotent.

An import an older version left *running* was cut by a worker's time limit
and had nothing to resume from (its staging was temporary): it goes to
*Error*, saying so. The live progress no longer carries a cancel request
(*Cancel* now stops an import at once).
"""
import logging

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE crm_iap_lead_register_import
           SET state = 'error',
               error_message = 'This import was interrupted before the upgrade and cannot be resumed: '
                               'import the file again.'
         WHERE state = 'running'
    """)
    if cr.rowcount:
        _logger.info("crm_iap_mine: %s interrupted register imports set to Error", cr.rowcount)
    cr.execute("ALTER TABLE IF EXISTS crm_iap_lead_register_import_progress DROP COLUMN IF EXISTS cancel_requested")
