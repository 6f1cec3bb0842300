"""To 17.0.7.0.0: SIRENE companies imported before know only the lower
bound of their size band; each lower bound is one band of INSEE's, so its
upper bound is set now rather than at the next monthly import (which would
write the same). "0" is an exact figure; "10,000 and more" is open
(PostgreSQL's largest integer). Idempotent."""
import logging

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")

# INSEE's bands at 17.0.7.0.0, as {lower bound: upper bound} (frozen here:
# tools/registers/fr_sirene.py may change later).
BAND_MAX = {1: 2, 3: 5, 6: 9, 10: 19, 20: 49, 50: 99, 100: 199, 200: 249, 250: 499, 500: 999, 1000: 1999,
            2000: 4999, 5000: 9999, 10000: 2 ** 31 - 1}


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE crm_iap_lead_directory_company c SET employees_max = b.upper
          FROM unnest(%s::int[], %s::int[]) AS b (lower, upper)
         WHERE c.register_code = 'fr_sirene' AND c.employees = b.lower AND c.employees_max IS NULL
    """, (list(BAND_MAX), list(BAND_MAX.values())))
    _logger.info("crm_iap_mine: %s SIRENE companies given the upper bound of their size band", cr.rowcount)
