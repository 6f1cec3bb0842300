"""To 17.0.4.0.0, once the models are loaded: leads mined from a register
before this version get the register number of their company (a lead holds
it from now on, so that the company is never delivered again). Idempotent."""
import logging

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE crm_lead l SET company_registry = c.register_number
          FROM crm_iap_lead_directory_company c
         WHERE l.reveal_id LIKE 'directory-%%' AND l.reveal_id = 'directory-' || c.id
           AND c.register_number IS NOT NULL AND l.company_registry IS NULL
    """)
    _logger.info("crm_iap_mine: wrote the register number on %s mined leads", cr.rowcount)
