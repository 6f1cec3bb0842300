"""To 17.0.7.0.0: the technology filter offers the technologies the directory
holds (`crm.iap.lead.technology`): listed now, rather than at the first run
of its daily job. Idempotent (the refresh is)."""
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    api.Environment(cr, SUPERUSER_ID, {})["crm.iap.lead.technology"]._refresh()
