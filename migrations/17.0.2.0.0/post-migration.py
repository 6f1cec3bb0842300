"""From Odoo's stock crm_iap_mine (17.0.1.x) to this addon, once its models
are loaded: bring stock requests within what this addon accepts and shows."""
from odoo import SUPERUSER_ID, api

from odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request import MAX_CONTACTS_PER_COMPANY

# Stock errors carried no message; this addon shows the message on the request.
ERROR_MESSAGES = {
    "credits": "You did not have enough credits to submit this request.",
    "no_result": "Your request did not return any result: no credits were used. "
                 "Try removing some filters.",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    requests = env["crm.iap.lead.mining.request"].with_context(active_test=False)
    for error_type, message in ERROR_MESSAGES.items():
        requests.search([
            ("state", "=", "error"), ("error_type", "=", error_type), ("error_message", "=", False),
        ]).write({"error_message": message})
    # The stock default was 10 contacts per company (its form capped it at 5);
    # this addon refuses more than 5, so a *Duplicate* of such a request would fail.
    requests.search([("contact_number", ">", MAX_CONTACTS_PER_COMPANY)]).write(
        {"contact_number": MAX_CONTACTS_PER_COMPANY}
    )
    requests.search([("contact_number", "<", 1)]).write({"contact_number": 1})
