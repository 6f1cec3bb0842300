# Run by scripts/compat/compat.sh through `odoo shell` (stdin) on a database with
# Odoo's STOCK crm_iap_mine: mines leads from the service database served at
# $COMPAT_SERVICE_URL with the token in $COMPAT_STATE. Prints PASS/FAIL lines
# and "compat checks done". Nothing here imports this addon.
#
# `env` is given by `odoo shell`.
# pylint: disable=undefined-variable,print-used
import json
import os

from odoo.exceptions import UserError

with open(os.environ["COMPAT_STATE"], encoding="utf-8") as state_file:
    state = json.load(state_file)
url = os.environ["COMPAT_SERVICE_URL"]
params = env["ir.config_parameter"].sudo()
params.set_param("reveal.endpoint", url)
params.set_param("iap.endpoint", url)
# The newest `reveal` account is the one the stock module uses.
account = env["iap.account"].create({"service_name": "reveal", "account_token": state["token"]})
Request = env["crm.iap.lead.mining.request"]


def check(label, condition, detail=""):
    print(f"{'PASS' if condition else 'FAIL'} stock client: {label}" + (f" ({detail})" if not condition else ""))


def mine(**values):
    request = Request.create(dict({
        "lead_number": 2, "search_type": "companies", "lead_type": "lead",
        "country_ids": [(6, 0, env.ref("base.es").ids)],
    }, **values))
    request.action_submit()
    return request


people = mine(search_type="people", contact_number=1, contact_filter_type="role",
              preferred_role_id=env.ref("crm_iap_mine.crm_iap_mine_role_22").id)
check("mines companies and contacts (Clearbit)", people.state == "done" and len(people.lead_ids) == 2,
      f"state {people.state}, {len(people.lead_ids)} leads")
check("contacts delivered", all((lead.email_from or "").startswith("seller@") for lead in people.lead_ids),
      people.lead_ids.mapped("email_from"))
check("balance route: 8 - 2 companies - 2 contacts", env["iap.account"].get_credits("reveal") == 4,
      env["iap.account"].get_credits("reveal"))
companies = mine(lead_number=3)
check("second request: 3 other companies", companies.state == "done" and len(companies.lead_ids) == 3
      and not set(companies.lead_ids.mapped("reveal_id")) & set(people.lead_ids.mapped("reveal_id")),
      f"{companies.lead_ids.mapped('reveal_id')} after {people.lead_ids.mapped('reveal_id')}")
short = mine(lead_number=3, country_ids=[(6, 0, env.ref("base.it").ids)])
check("insufficient credits: the stock Buy credits error", short.state == "error" and short.error_type == "credits",
      f"state {short.state}, error {short.error_type}")
check("nothing charged for the refused request", env["iap.account"].get_credits("reveal") == 1,
      env["iap.account"].get_credits("reveal"))
account.account_token = "not-our-token"
try:
    mine(lead_number=1)
    check("unknown token refused", False, "no error")
except UserError as error:
    check("unknown token refused", "Unknown or inactive account token" in str(error), str(error))
env.cr.rollback()
print("compat checks done")
