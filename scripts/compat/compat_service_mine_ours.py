# Run by scripts/compat/compat.sh through `odoo shell` (stdin) on a database with
# THIS addon: mines leads from the service database served at
# $COMPAT_SERVICE_URL with the second token in $COMPAT_STATE, over both
# protocols, and meets every refusal of the service. Prints PASS/FAIL lines
# and "compat checks done".
#
# The service's client account has 8 credits, 5 calls a minute, and a body
# limit of 8 KB; its directory holds 5 Spanish and 3 Italian companies with
# one seller each (scripts/compat/compat_service_setup.py). Every refused call is
# made within the same minute as the five delivered ones.
#
# `env` is given by `odoo shell`.
# pylint: disable=undefined-variable,print-used
import json
import os

import requests

with open(os.environ["COMPAT_STATE"], encoding="utf-8") as state_file:
    state = json.load(state_file)
params = env["ir.config_parameter"].sudo()
params.set_param("reveal.endpoint", os.environ["COMPAT_SERVICE_URL"])
params.set_param("iap.endpoint", os.environ["COMPAT_SERVICE_URL"])
account = env["iap.account"].create({"service_name": "reveal", "account_token": state["ours_token"]})
env.user.lead_mining_gdpr_ack_date = "2026-01-01"
Request = env["crm.iap.lead.mining.request"]
spain, italy = env.ref("base.es"), env.ref("base.it")
seller = env.ref("crm_iap_mine.crm_iap_mine_role_22")


def check(label, condition, detail=""):
    print(f"{'PASS' if condition else 'FAIL'} our client: {label}" + (f" ({detail})" if not condition else ""))


def balance():
    return env["iap.account"].get_credits("reveal")


def mine(protocol="dnb", **values):
    params.set_param("crm_iap_mine.iap_protocol", protocol)
    request = Request.create(dict({
        "provider": "iap", "lead_number": 1, "search_type": "companies", "lead_type": "lead",
        "country_ids": [(6, 0, spain.ids)],
    }, **values))
    request.action_submit()
    return request


def people(count):
    return {"lead_number": count, "country_ids": [(6, 0, italy.ids)], "search_type": "people", "contact_number": 1,
            "contact_filter_type": "role", "preferred_role_id": seller.id}


def refused(request, error_type, words):
    return request.state == "error" and request.error_type == error_type and words in (request.error_message or "")


params.set_param("crm_iap_mine.iap_protocol", False)  # the default protocol: Dun & Bradstreet
first = mine(lead_number=2)
first_ids = set(first.lead_ids.mapped("reveal_id"))
check("mines companies with the default protocol (D&B)", first.state == "done" and len(first.lead_ids) == 2
      and all(reveal_id.startswith(state["prefix"]) for reveal_id in first_ids),
      f"state {first.state} {first.error_message}, reveal_ids {first_ids}")
check("balance route: 8 - 2 companies", balance() == 6, balance())

# A Spanish company this database already knows by its reveal_id, not yet delivered to it.
known = next(f"{state['prefix']}{company_id}" for company_id in state["spain_ids"]
             if f"{state['prefix']}{company_id}" not in first_ids)
env["crm.lead"].create({"name": "Known from elsewhere", "reveal_id": known, "active": False})
second = mine(lead_number=3)
second_ids = set(second.lead_ids.mapped("reveal_id"))
check("rotation: the 3 other Spanish companies, but not the known one (reveal_ids)",
      second.state == "done" and len(second_ids) == 2 and not second_ids & (first_ids | {known}),
      f"state {second.state} {second.error_message}, {second_ids} after {first_ids}, known {known}")
check("the known company is not charged: 6 - 2", balance() == 4, balance())

contacts = mine("clearbit", **people(1))
check("mines companies and contacts (Clearbit)", contacts.state == "done" and len(contacts.lead_ids) == 1
      and (contacts.lead_ids.email_from or "").startswith("seller@"),
      f"state {contacts.state} {contacts.error_message}, {contacts.lead_ids.mapped('email_from')}")
check("balance: 4 - 1 company - 1 contact", balance() == 2, balance())

short = mine("clearbit", **people(2))
check("insufficient credits: the Buy credits error", short.state == "error" and short.error_type == "credits",
      f"state {short.state}, error {short.error_type} {short.error_message}")
check("nothing charged for the refused request", balance() == 2, balance())

last = mine(country_ids=[(6, 0, italy.ids)])
check("fifth call of the minute delivered", last.state == "done" and len(last.lead_ids) == 1,
      f"state {last.state} {last.error_message}")
limited = mine(country_ids=[(6, 0, italy.ids)])
check("sixth call of the minute: rate limit", refused(limited, "user", "5 calls per minute"),
      f"state {limited.state}, error {limited.error_type} {limited.error_message}")

account.account_token = "not-our-token"
unknown = mine()
check("unknown token refused", refused(unknown, "access", "Unknown or inactive account token"),
      f"state {unknown.state}, error {unknown.error_type} {unknown.error_message}")
account.account_token = state["ours_token"]

# 500 more known reveal_ids: a D&B call of about 11 KB, over the service's 8 KB.
env.cr.execute("""
    INSERT INTO crm_lead (name, type, active, reveal_id, create_date, write_date)
    SELECT 'Known ' || n, 'lead', FALSE, 'compat-known-' || lpad(n::text, 6, '0'),
           now() at time zone 'UTC', now() at time zone 'UTC'
      FROM generate_series(1, 500) n
""")
oversized = mine()
check("oversized request refused", refused(oversized, "user", "too large"),
      f"state {oversized.state}, error {oversized.error_type} {oversized.error_message}")

check("nothing charged for the refused calls: 2 - 1", balance() == 1, balance())

# The Buy credits button leads to the service's own page.
url = env["crm.iap.lead.provider.iap"]._action_buy_credits(env.company)["url"]
page = requests.get(url, timeout=30)
check("Buy credits page of the service, with this account's balance",
      url.startswith(os.environ["COMPAT_SERVICE_URL"] + "/iap/1/credit?") and page.status_code == 200
      and "Your account Our member database has 1 credits left." in page.text, f"HTTP {page.status_code}")
env.cr.rollback()
print("compat checks done")
