# Run by scripts/compat/compat.sh through `odoo shell` (stdin) on a database
# where THIS addon as it was at version 17.0.2.0.0 (the commit compat.sh
# exports) is installed: records what the upgrade to 17.0.3.0.0 must migrate
# or keep, and writes their ids to the JSON file $COMPAT_STATE.
#
# Everything goes through the 17.0.2.0.0 code (`env` is given by `odoo shell`,
# as the superuser), except what old databases hold and the flow cannot make
# here: a running request, a plain SHA-256 erasure trace, historical indexes.
# pylint: disable=undefined-variable,print-used
import base64
import hashlib
import json
import os

from odoo.tools import file_open

module = env["ir.module.module"].search([("name", "=", "crm_iap_mine")])
assert (module.state, module.latest_version) == ("installed", "17.0.2.0.0"), (module.state, module.latest_version)
cr = env.cr
uk = env.ref("base.uk")

# Register imports: the Companies House sample of the tests (6 companies), a
# file of no register (failed), one cancelled before it ran.
with file_open("crm_iap_mine/tests/data/registers/gb_companies_house_2026-01.csv", "rb") as sample:
    uk_file = sample.read()
imports = {}
for expected, content in (("done", uk_file), ("failed", b"not,a,register\n1,2,3\n"), ("cancelled", uk_file)):
    run = env["crm.iap.lead.register.import"].create({
        "register_code": "gb_companies_house", "file": base64.b64encode(content)})
    if expected == "cancelled":
        run.action_cancel()
    else:
        run.action_import()
    assert run.state == expected, (expected, run.state, run.error_message)
    imports[run.id] = expected


def directory_request(submit=True, lead_number=3, country=uk, **values):
    """A request of the company directory, on the register companies (free)."""
    request = env["crm.iap.lead.mining.request"].create(dict({
        "provider": "directory", "lead_number": lead_number, "search_type": "companies", "lead_type": "lead",
        "country_ids": [(6, 0, country.ids)]}, **values))
    if submit:
        request.action_submit()
    return request


requests = {
    "draft": directory_request(submit=False),
    "done": directory_request(),  # 3 of the 6 companies
    "error": directory_request(country=env.ref("base.jp")),  # no company there
    "queued": directory_request(lead_number=500),  # over 200: in the background, which never runs here
    "running": directory_request(lead_number=500),
    "cancel": directory_request(lead_number=500),
    "recurring": directory_request(is_recurring=True),
    "paused": directory_request(is_recurring=True),
}
requests["cancel"].action_cancel()
requests["paused"].action_pause()
# Between two batches of the background cron.
requests["running"].flush_recordset()
cr.execute("UPDATE crm_iap_lead_mining_request SET state = 'running' WHERE id = %s", (requests["running"].id,))
requests["running"].invalidate_recordset(["state"])
for state, request in requests.items():
    assert request.state == state, (state, request.state, request.error_message)
    # A lead of each request, besides the mined ones.
    env["crm.lead"].create({"name": f"Compat 17.0.2 {state}", "type": "lead", "lead_mining_request_id": request.id})
assert len(requests["done"].lead_ids) == 4, requests["done"].lead_ids

# An erasure trace of 17.0.2.0.0: the plain SHA-256 of the address, no method.
erased = "erased.person@example.com"
plain = hashlib.sha256(erased.encode()).hexdigest()
cr.execute("""
    INSERT INTO crm_iap_lead_erasure (date, email_fingerprint, fingerprint_method, lead_count, contact_count)
    VALUES (now() at time zone 'UTC', %s, NULL, 1, 0) RETURNING id
""", (plain,))
erasure_id = cr.fetchone()[0]

# Indexes of earlier versions, under the names 17.0.3.0.0 drops.
historical_indexes = ["crm_iap_lead_directory_company_rotation_idx", "crm_iap_lead_directory_contact_mining_idx"]
cr.execute("""
    CREATE INDEX crm_iap_lead_directory_company_rotation_idx
        ON crm_iap_lead_directory_company (delivery_count, last_delivered_date);
    CREATE INDEX crm_iap_lead_directory_contact_mining_idx ON crm_iap_lead_directory_contact (directory_company_id);
""")

env.flush_all()
register_companies = env["crm.iap.lead.directory.company"].with_context(active_test=False).search(
    [("register_code", "=", "gb_companies_house")])
assert len(register_companies) == 6, register_companies
state = {
    "imports": imports,
    "requests": {str(request.id): {"state": request.state, "lead_ids": sorted(request.lead_ids.ids)}
                 for request in requests.values()},
    "register_company_ids": sorted(register_companies.ids),
    "erasure": {"id": erasure_id, "email": erased, "plain": plain},
    "historical_indexes": historical_indexes,
}
env.cr.commit()
with open(os.environ["COMPAT_STATE"], "w", encoding="utf-8") as state_file:
    json.dump(state, state_file, indent=1, sort_keys=True)
print(f"17.0.2.0.0 database ready: register imports {sorted(imports.values())}, "
      f"requests {sorted(requests)}, 1 plain SHA-256 erasure trace, indexes {historical_indexes}")
