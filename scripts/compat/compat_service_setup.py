# Run by scripts/compat/compat.sh through `odoo shell` (stdin) on the SERVICE
# database (this addon installed): switches the lead-mining service on, fills
# a small directory, creates two client accounts with 8 credits each (one for
# the stock client database, one for ours: 5 calls a minute) and writes their
# tokens to the JSON file $COMPAT_STATE. Requests over 8 KB are refused.
#
# `env` is given by `odoo shell`.
# pylint: disable=undefined-variable,print-used
import json
import os

env["ir.config_parameter"].sudo().set_param("crm_iap_mine.service_enabled", "True")
env["ir.config_parameter"].sudo().set_param("crm_iap_mine.service_max_body_kb", "8")
Company = env["crm.iap.lead.directory.company"]
Company.search([]).active = False
seller = env.ref("crm_iap_mine.crm_iap_mine_role_22")
spain, italy = env.ref("base.es"), env.ref("base.it")
companies = Company.create([{
    "name": f"Compat Served {number}", "domain": f"compat-served{number}.example",
    "emails": f"info@compat-served{number}.example",
    "country_id": (spain if number <= 5 else italy).id, "employees": 30, "city": "Sevilla",
    "contact_ids": [(0, 0, {"name": f"Seller {number}", "email": f"seller@compat-served{number}.example",
                            "role_id": seller.id, "title": "Sales"})],
} for number in range(1, 9)])


def client_token(values):
    client = env["crm.iap.lead.service.client"].create(values)
    env["crm.iap.lead.credit.line"]._record(client.company_id, "directory", [(8, "topup")], reference="compat",
                                            service_client=client)
    return client.action_generate_token()["params"]["message"].rsplit(" ", 1)[-1]


state = {
    "token": client_token({"name": "Stock member database"}),
    "ours_token": client_token({"name": "Our member database", "rate_limit": 5}),
    "prefix": env["crm.iap.lead.service.client"]._reveal_prefix(),
    "spain_ids": companies.filtered(lambda company: company.country_id == spain).ids,
}
env.cr.commit()
with open(os.environ["COMPAT_STATE"], "w", encoding="utf-8") as state_file:
    json.dump(state, state_file)
print("service setup done")
