# Run by scripts/compat/compat.sh through `odoo shell` (stdin), with this checkout
# first in the addons path. Prints one "PASS <check>" or "FAIL <check>: <why>"
# line per check, then "compat checks done". Changes nothing: `odoo shell`
# rolls back, and every trial runs in a savepoint.
#
# COMPAT_MODE=website: the database has website_crm_iap_reveal on this addon.
# COMPAT_MODE=upgrade: the database ran the stock module, then was upgraded to
#   this addon; COMPAT_STATE is the JSON written by compat_stock_setup.py.
# COMPAT_MODE=v2-upgrade: the database ran this addon at 17.0.2.0.0, then was
#   upgraded; COMPAT_STATE is the JSON written by compat_v2_setup.py, to which
#   this mode adds what the database holds then (the key "upgraded").
# COMPAT_MODE=v2-upgrade-again: the same database, upgraded a second time with
#   the migration run again: the same checks, and nothing changed since.
# `env` is given by `odoo shell`.
# pylint: disable=undefined-variable,print-used
import json
import os
import traceback

import odoo
from odoo.modules.module import get_module_path

ADDON_DIR = os.path.realpath(os.environ["COMPAT_ADDON_DIR"])
VERSION = odoo.modules.module.get_manifest("crm_iap_mine")["version"]


def check(name, func):
    """Run one check: it returns None (pass) or a reason (fail), or raises."""
    try:
        with env.cr.savepoint(flush=False):
            reason = func()
            env.flush_all()
            raise _Rollback(reason)
    except _Rollback as outcome:
        reason = outcome.reason
    except Exception:  # noqa: BLE001 - a crash is a failed check, with its traceback
        reason = traceback.format_exc(limit=3).strip().replace("\n", "\n    ")
    env.invalidate_all()
    print(f"FAIL {name}: {reason}" if reason else f"PASS {name}", flush=True)


class _Rollback(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def loaded_addon_is_this_checkout():
    module = env["ir.module.module"].search([("name", "=", "crm_iap_mine")])
    loaded = os.path.realpath(get_module_path("crm_iap_mine"))
    if loaded != ADDON_DIR:
        return f"Odoo loaded crm_iap_mine from {loaded}, not {ADDON_DIR}"
    if (module.state, module.latest_version) != ("installed", VERSION):
        return f"crm_iap_mine is {module.state} {module.latest_version}, expected installed {VERSION}"
    return None


def website_module_installed():
    module = env["ir.module.module"].search([("name", "=", "website_crm_iap_reveal")])
    return None if module.state == "installed" else f"website_crm_iap_reveal is {module.state}"


def upgrade_checks():
    with open(os.environ["COMPAT_STATE"], encoding="utf-8") as state_file:
        state = json.load(state_file)
    Request = env["crm.iap.lead.mining.request"].with_context(active_test=False)
    expected = {int(request_id): values for request_id, values in state["requests"].items()}

    def requests_kept():
        requests = Request.browse(list(expected)).exists()
        if len(requests) != len(expected):
            return f"missing requests: {sorted(set(expected) - set(requests.ids))}"
        for request in requests:
            want = expected[request.id]
            got = {"name": request.name, "state": request.state, "error_type": request.error_type}
            if got != {key: want[key] for key in got}:
                return f"request {request.id} is {got}, was {want}"
        return None

    def leads_still_linked():
        for request_id, want in expected.items():
            leads = env["crm.lead"].with_context(active_test=False).search(
                [("lead_mining_request_id", "=", request_id)])
            if sorted(leads.ids) != want["lead_ids"]:
                return f"request {request_id} has leads {leads.ids}, had {want['lead_ids']}"
            if Request.browse(request_id).lead_count != len(want["lead_ids"]):
                return f"request {request_id}: lead_count {Request.browse(request_id).lead_count}"
        lonely = env["crm.lead"].browse(state["lonely_lead_id"])
        if lonely.lead_mining_request_id:
            return "a lead of no request got linked to one"
        return None

    def reference_records_kept():
        for xmlid, record_id in state["industries"].items():
            record = env.ref(xmlid, raise_if_not_found=False)
            if not record or record.id != record_id:
                return f"{xmlid} is {record}, was id {record_id}"
            if not record.active:
                return f"{xmlid} was archived"
        if not env["crm.iap.lead.industry"].browse(state["custom_industry_id"]).exists():
            return "the industry created by a user disappeared"
        for request in Request.browse(list(expected)):
            want = expected[request.id]
            got = {
                "industry_ids": sorted(request.industry_ids.ids),
                "role_ids": sorted(request.role_ids.ids),
                "preferred_role_id": request.preferred_role_id.id,
                "seniority_id": request.seniority_id.id,
                "team_id": request.team_id.id,
                "user_id": request.user_id.id,
            }
            if got != {key: want[key] for key in got}:
                return f"request {request.id} criteria are {got}, were {want}"
        return None

    def new_columns_filled():
        for request in Request.browse(list(expected)):
            want = expected[request.id]["company_id"]
            if request.company_id.id != want:
                return f"request {request.name} is in company {request.company_id.id}, expected {want}"
            if request.provider != "iap":
                return f"request {request.name} has provider {request.provider!r}"
        env.cr.execute("SELECT count(*) FROM crm_iap_lead_mining_request WHERE company_id IS NULL OR provider IS NULL")
        count = env.cr.fetchone()[0]
        return f"{count} requests without company or provider" if count else None

    def stock_errors_explained():
        silent = Request.search([("state", "=", "error"), ("error_message", "=", False)])
        return f"error requests without a message: {silent.mapped('name')}" if silent else None

    def sequence_reused():
        sequences = env["ir.sequence"].search([("code", "=", "crm.iap.lead.mining.request")])
        if sequences.ids != [state["sequence_id"]]:
            return f"sequences {sequences.ids}, expected only the stock one ({state['sequence_id']})"
        if env.ref("crm_iap_mine.ir_sequence_crm_iap_mine") != sequences:
            return "crm_iap_mine.ir_sequence_crm_iap_mine does not point to the stock sequence"
        if sequences.number_next_actual != state["sequence_next"]:
            return f"numbering restarts at {sequences.number_next_actual}, was at {state['sequence_next']}"
        return None

    def requests_usable():
        for request in Request.browse(list(expected)):
            copy = request.copy()
            if (copy.company_id, copy.provider, copy.state) != (request.company_id, "iap", "draft"):
                return f"the duplicate of {request.name} is {copy.company_id.name}/{copy.provider}/{copy.state}"
            copy._prepare_iap_payload()
        return None

    def helpers_abstract():
        if not env["crm.iap.lead.helpers"]._abstract:
            return "crm.iap.lead.helpers is not abstract"
        env.cr.execute("SELECT to_regclass('crm_iap_lead_helpers')")
        if env.cr.fetchone()[0]:
            return "the stock table crm_iap_lead_helpers is still there"
        template = env.ref("crm_iap_mine.lead_generation_no_credits", raise_if_not_found=False)
        if not template or template.id != state["no_credits_template_id"]:
            return "the no-credits mail template was replaced"
        return None

    def access_rights_not_doubled():
        # The stock module's ACL xmlids are ours too: the upgrade updates
        # them in place, and leaves no second right for the same group.
        for name in ("industry", "role", "seniority", "mining_request", "helpers"):
            if not env.ref(f"crm_iap_mine.access_crm_iap_lead_{name}", raise_if_not_found=False):
                return f"crm_iap_mine.access_crm_iap_lead_{name} is gone"
        env.cr.execute("""
            SELECT m.model, a.group_id, count(*)
              FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id
             WHERE m.model LIKE 'crm.iap.lead.%'
          GROUP BY m.model, a.group_id HAVING count(*) > 1
        """)
        doubled = env.cr.fetchall()
        if doubled:
            return f"several access rights for one model and group: {doubled}"
        env.cr.execute("""
            SELECT a.id FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id
             WHERE m.model LIKE 'crm.iap.lead.%' AND NOT EXISTS (
                   SELECT 1 FROM ir_model_data d WHERE d.model = 'ir.model.access' AND d.res_id = a.id)
        """)
        orphans = [row[0] for row in env.cr.fetchall()]
        return f"access rights without xmlid: {orphans}" if orphans else None

    def default_provider_stored():
        # The settings form requires it: saving any settings page needs it stored.
        provider = env["ir.config_parameter"].sudo().get_param("crm_iap_mine.default_provider")
        return None if provider == "iap" else f"crm_iap_mine.default_provider is {provider!r}"

    check("requests kept (ids, numbers, states)", requests_kept)
    check("default provider stored by the upgrade", default_provider_stored)
    check("stock access rights kept under their xmlids, none doubled", access_rights_not_doubled)
    check("leads still linked to their request", leads_still_linked)
    check("industries, roles and seniorities kept with their ids", reference_records_kept)
    check("company and provider filled on every request", new_columns_filled)
    check("stock error requests get a message", stock_errors_explained)
    check("stock sequence reused, numbering continues", sequence_reused)
    check("migrated requests can be duplicated and sent", requests_usable)
    check("crm.iap.lead.helpers abstract, stock table gone, template kept", helpers_abstract)


# Indexes of 17.0.8.0.0 (without the companies refusing advertising) that replaced those the migrations drop.
CURRENT_INDEXES = (
    "crm_iap_lead_directory_company_pickable_fresh_idx",
    "crm_iap_lead_directory_company_pickable_rotation_idx",
    "crm_iap_lead_directory_contact_picking_idx",
)


def v2_snapshot():
    """What a second upgrade must leave as it is (JSON types)."""
    queries = {
        "requests": "SELECT id, name, state FROM crm_iap_lead_mining_request ORDER BY id",
        "leads": "SELECT id, lead_mining_request_id FROM crm_lead ORDER BY id",
        "imports": "SELECT id, state, error_message FROM crm_iap_lead_register_import ORDER BY id",
        "erasures": "SELECT id, email_fingerprint, fingerprint_method FROM crm_iap_lead_erasure ORDER BY id",
        "companies": "SELECT id, name, active, delivery_count FROM crm_iap_lead_directory_company ORDER BY id",
        "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'crm_iap_lead_%' ORDER BY 1",
    }
    snapshot = {}
    for key, query in queries.items():
        env.cr.execute(query)
        snapshot[key] = [list(row) for row in env.cr.fetchall()]
    return snapshot


def v2_upgrade_checks(again):
    with open(os.environ["COMPAT_STATE"], encoding="utf-8") as state_file:
        state = json.load(state_file)
    cr = env.cr
    trace = state["erasure"]

    def import_states_renamed():
        cr.execute("SELECT id, state FROM crm_iap_lead_register_import")
        got = {str(import_id): import_state for import_id, import_state in cr.fetchall()}
        renamed = {"failed": "error", "cancelled": "cancel"}
        want = {import_id: renamed.get(old, old) for import_id, old in state["imports"].items()}
        return None if got == want else f"register imports are {got}, expected {want}"

    def requests_kept():
        Request = env["crm.iap.lead.mining.request"].with_context(active_test=False)
        for request_id, want in state["requests"].items():
            request = Request.browse(int(request_id)).exists()
            leads = env["crm.lead"].with_context(active_test=False).search(
                [("lead_mining_request_id", "=", int(request_id))])
            got = {"state": request.state, "lead_ids": sorted(leads.ids)}
            if got != want:
                return f"request {request_id} is {got}, was {want}"
        return None

    def fingerprint_keyed():
        cr.execute("SELECT email_fingerprint, fingerprint_method FROM crm_iap_lead_erasure WHERE id = %s",
                   (trace["id"],))
        fingerprint, method = cr.fetchone()
        if method != "hmac_sha256" or fingerprint == trace["plain"]:
            return f"the trace's fingerprint is {fingerprint} ({method}), was the plain SHA-256 {trace['plain']}"
        found = env["crm.iap.lead.erasure"]._find_erasures(trace["email"])
        return None if found.ids == [trace["id"]] else f"_find_erasures({trace['email']!r}) finds {found.ids}"

    def indexes_renewed():
        cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)",
                   (state["historical_indexes"] + list(CURRENT_INDEXES),))
        names = {row[0] for row in cr.fetchall()}
        left, missing = names & set(state["historical_indexes"]), set(CURRENT_INDEXES) - names
        return f"historical indexes left: {sorted(left)}, missing: {sorted(missing)}" if left or missing else None

    def register_companies_kept():
        companies = env["crm.iap.lead.directory.company"].with_context(active_test=False).search(
            [("register_code", "=", "gb_companies_house")])
        want = state["register_company_ids"]
        return None if sorted(companies.ids) == want else f"register companies {sorted(companies.ids)}, were {want}"

    def directory_request_mines():
        request = env["crm.iap.lead.mining.request"].create({
            "provider": "directory", "lead_number": 2, "search_type": "companies", "lead_type": "lead",
            "country_ids": [(6, 0, env.ref("base.uk").ids)]})
        request.action_submit()
        got = (request.state, len(request.lead_ids), request.credits_charged)
        return None if got == ("done", 2, 0) else f"(state, leads, credits) {got}: {request.error_message}"

    prefix = "17.0.2.0.0 upgraded again: " if again else "17.0.2.0.0 upgraded: "
    check(prefix + "register imports failed/cancelled now error/cancel, done kept", import_states_renamed)
    check(prefix + "requests in every state kept their state and leads", requests_kept)
    check(prefix + "plain SHA-256 erasure fingerprint keyed, found by _find_erasures", fingerprint_keyed)
    check(prefix + "historical indexes dropped, current ones there", indexes_renewed)
    check(prefix + "the register import's directory companies kept", register_companies_kept)
    check(prefix + "a new directory request mines the register companies, for free", directory_request_mines)
    if not again:
        with open(os.environ["COMPAT_STATE"], "w", encoding="utf-8") as state_file:
            json.dump(dict(state, upgraded=v2_snapshot()), state_file, indent=1, sort_keys=True, default=str)
        return

    def nothing_changed():
        before, now = state.get("upgraded"), json.loads(json.dumps(v2_snapshot(), default=str))
        if before is None:
            return "no record of the first upgrade (its checks did not finish)"
        changed = {key: [row for row in now[key] if row not in before[key]] for key in now if now[key] != before[key]}
        return f"changed since the first upgrade: {changed}" if changed else None

    check(prefix + "nothing changed since the first upgrade", nothing_changed)


check("crm_iap_mine is this checkout, version " + VERSION, loaded_addon_is_this_checkout)
if os.environ["COMPAT_MODE"] == "website":
    check("website_crm_iap_reveal installed on it", website_module_installed)
elif os.environ["COMPAT_MODE"].startswith("v2-upgrade"):
    v2_upgrade_checks(again=os.environ["COMPAT_MODE"] == "v2-upgrade-again")
else:
    upgrade_checks()
print("compat checks done", flush=True)
