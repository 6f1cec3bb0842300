"""To 17.0.7.0.0: a directory company's estimated revenue has a currency.
The revenues stored before get the one a new company gets
(`crm.iap.lead.directory.company._set_default_revenue_currency`): the owner
company's currency, else the country's, else the first company's.
Idempotent: only revenues without a currency."""
import logging

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE crm_iap_lead_directory_company c
           SET revenue_currency_id = COALESCE(
                   (SELECT owner.currency_id FROM res_company owner WHERE owner.id = c.company_id),
                   (SELECT country.currency_id FROM res_country country WHERE country.id = c.country_id),
                   (SELECT first.currency_id FROM res_company first ORDER BY first.id LIMIT 1))
         WHERE c.estimated_revenue > 0 AND c.revenue_currency_id IS NULL
    """)
    _logger.info("crm_iap_mine: %s directory revenues given their currency", cr.rowcount)
