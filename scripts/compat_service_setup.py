# Run by scripts/compat.sh through `odoo shell` (stdin) on the SERVICE
# database (this addon installed): switches the lead-mining service on, fills
# a small directory, creates a client account with 8 credits and writes its
# token to the JSON file $COMPAT_STATE for the stock client database.
#
# `env` is given by `odoo shell`.
# pylint: disable=undefined-variable,print-used
import json
import os

env["ir.config_parameter"].sudo().set_param("crm_iap_mine.service_enabled", "True")
Company = env["crm.iap.lead.directory.company"]
Company.search([]).active = False
seller = env.ref("crm_iap_mine.crm_iap_mine_role_22")
spain, italy = env.ref("base.es"), env.ref("base.it")
Company.create([{
    "name": f"Compat Served {number}", "domain": f"compat-served{number}.example",
    "emails": f"info@compat-served{number}.example",
    "country_id": (spain if number <= 5 else italy).id, "employees": 30, "city": "Sevilla",
    "contact_ids": [(0, 0, {"name": f"Seller {number}", "email": f"seller@compat-served{number}.example",
                            "role_id": seller.id, "title": "Sales"})],
} for number in range(1, 9)])
client = env["crm.iap.lead.service.client"].create({"name": "Stock member database"})
token = client.action_generate_token()["params"]["message"].rsplit(" ", 1)[-1]
env["crm.iap.lead.credit.line"]._record(client.company_id, "directory", [(8, "topup")], reference="compat",
                                        service_client=client)
env.cr.commit()
with open(os.environ["COMPAT_STATE"], "w", encoding="utf-8") as state:
    json.dump({"token": token, "client_id": client.id}, state)
print("service setup done")
