# Run by scripts/bench/bench.sh through `odoo shell` (stdin), once per database and
# step, so that every scenario has its own process (and its own peak RSS).
#
# Environment: BENCH_FLAVOR (stock | ours), BENCH_STEP (setup | load |
# companies | people | directory | directory_2000 | reveal_ids | register | register_pick | matching_load |
# matching), BENCH_OUT (JSON file
# written by this step), BENCH_URL (setup: the lead-mining service),
# BENCH_RUNS (timed runs after the warm-up, default 3), BENCH_PROFILE=1
# (print the queries of the median run grouped by pattern, and its cProfile).
#
# Works on the stock module and on ours: only the public API is used
# (create a `crm.iap.lead.mining.request`, `action_submit`), as a sales
# manager assigning to another salesperson. Every run is rolled back.
# `env` is given by `odoo shell`.
# pylint: disable=undefined-variable,print-used,invalid-commit
import collections
import cProfile
import importlib.util
import io
import json
import logging
import os
import platform
import pstats
import re
import resource
import statistics
import time

import odoo
import odoo.sql_db
from odoo import fields
from odoo.tools import file_path

FLAVOR = os.environ["BENCH_FLAVOR"]
STEP = os.environ["BENCH_STEP"]
OUT = os.environ["BENCH_OUT"]
RUNS = int(os.environ.get("BENCH_RUNS") or 3)
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
DIRECTORY_SIZE = int(os.environ.get("BENCH_DIRECTORY_SIZE") or 1_000_000)
EXISTING_LEADS = 10_000
REVEAL_LEADS = 100_000
MANAGER, SALESMAN, WATCHER = "bench_manager", "bench_salesman", "bench_team_watcher"
TEAM = "Bench Team"
# The directory scenario: 2 of 13 countries, 4 of 23 industries, 10 to 1,000
# employees, contacts by role (CEO preferred, then 5 more roles).
DIRECTORY_COUNTRIES = ["base.es", "base.it"]
DIRECTORY_INDUSTRIES = 4
DIRECTORY_ROLES = 6


def rss_mib():
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_out(data):
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1, sort_keys=True)


def fail(message):
    print(f"BENCH FAILURE: {message}")
    FAILURES.append(message)


FAILURES = []


# ---------------------------------------------------------------------------
# setup: users, team, tags, endpoints, IAP account (and directory credits)
# ---------------------------------------------------------------------------

def setup():
    params = env["ir.config_parameter"].sudo()
    params.set_param("reveal.endpoint", os.environ["BENCH_URL"])
    params.set_param("iap.endpoint", os.environ["BENCH_URL"])
    account = env["iap.account"].sudo().search([("service_name", "=", "reveal")], limit=1)
    if not account:
        account = env["iap.account"].sudo().create({"service_name": "reveal"})
    assert account.account_token
    company = env.ref("base.main_company")
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nosubscribe=True)

    def user(login, name, group):
        found = Users.search([("login", "=", login)])
        return found or Users.create({
            "login": login, "name": name, "email": f"{login}@bench.example",
            "company_id": company.id, "company_ids": [(6, 0, company.ids)],
            "groups_id": [(6, 0, env.ref(group).ids)], "notification_type": "email",
        })

    manager = user(MANAGER, "Bench Manager", "sales_team.group_sale_manager")
    salesman = user(SALESMAN, "Bench Salesman", "sales_team.group_sale_salesman")
    watcher = user(WATCHER, "Bench Team Watcher", "sales_team.group_sale_salesman")
    team = env["crm.team"].search([("name", "=", TEAM)]) or env["crm.team"].create({
        "name": TEAM, "use_leads": True, "use_opportunities": True, "company_id": company.id,
        "member_ids": [(6, 0, salesman.ids)],
    })
    # The watcher follows the team with its default subtypes, among which
    # "Lead Created" (relation team_id): mail subscribes them to every lead.
    team.message_subscribe(partner_ids=watcher.partner_id.ids)
    for name in ("Bench Mined", "Bench 2026"):
        if not env["crm.tag"].search([("name", "=", name)]):
            env["crm.tag"].create({"name": name})
    if FLAVOR == "ours":
        # Scenarios 1-2 compare with the stock module, which speaks Clearbit
        # (companies and contacts); D&B has its own step (reveal_ids).
        params.set_param("crm_iap_mine.iap_protocol", "clearbit")
        # The first-use data-protection acknowledgement is done (the dialog asks for it once).
        manager.lead_mining_gdpr_ack_date = fields.Datetime.now()
        ledger = env["crm.iap.lead.credit.line"]
        # Topped up once: a database kept for a later run (BENCH_KEEP) has them.
        if ledger._get_balance(company, "directory") < 10 ** 8:
            ledger._record(company, "directory", [(10 ** 9, "topup")], reference="make bench")
    env.cr.commit()
    env.cr.execute("SHOW server_version")
    write_out({"machine": machine_info(env.cr.fetchone()[0]), "module": module_version()})


def module_version():
    module = env["ir.module.module"].search([("name", "=", "crm_iap_mine")])
    return {"version": module.latest_version, "path": odoo.modules.get_module_path("crm_iap_mine")}


def machine_info(pg_version):
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            ram = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal"))) / 1024 ** 2
    except OSError:
        ram = 0
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(ram, 1),
        "postgresql": pg_version, "odoo": odoo.release.version, "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


# ---------------------------------------------------------------------------
# load (ours): 1,000,000 directory companies with COPY, 10,000 existing leads
# ---------------------------------------------------------------------------

def load_by_path(path):
    """A helper module of the addon's tests, without importing its tests package."""
    spec = importlib.util.spec_from_file_location("odoo.addons." + path[:-3].replace("/", "."), file_path(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load():
    # Its timing breakdown is logged at INFO: show it despite --log-level=warn.
    directory_sample = load_by_path("crm_iap_mine/tests/directory_sample.py")
    logging.getLogger(directory_sample.__name__).setLevel(logging.INFO)
    Company = env["crm.iap.lead.directory.company"]
    if Company.search_count([]) >= DIRECTORY_SIZE:  # a database kept from an earlier run
        print("directory already loaded")
        write_out({"directory_companies": Company.search_count([]), "reused": True})
        return
    started = time.monotonic()
    companies, contacts = directory_sample.load_copy(env, DIRECTORY_SIZE, seed=2026)
    loaded = time.monotonic() - started
    env.cr.commit()
    started = time.monotonic()
    leads = create_existing_leads()
    env.cr.commit()
    write_out({
        "directory_companies": companies, "directory_contacts": contacts, "load_seconds": round(loaded, 1),
        "existing_leads": leads, "existing_leads_seconds": round(time.monotonic() - started, 1),
        "load_peak_mib": round(peak_mib()),
    })
    print(f"directory: {companies} companies, {contacts} contacts loaded in {loaded:.0f}s; "
          f"{leads} existing leads; peak RSS {peak_mib():.0f} MiB")


def create_existing_leads():
    """10,000 leads in one INSERT: half are companies the directory scenario
    would pick (its countries and industries), half anywhere; one in two is
    known by its website, the other by its e-mail domain only."""
    countries = [env.ref(xmlid).id for xmlid in DIRECTORY_COUNTRIES]
    industries = directory_industries().ids
    team = env["crm.team"].search([("name", "=", TEAM)])
    env.cr.execute("""
        WITH picked AS (
            (SELECT id, name, domain FROM crm_iap_lead_directory_company
              WHERE country_id = ANY(%(countries)s) AND industry_id = ANY(%(industries)s)
                AND employees BETWEEN 10 AND 1000
              ORDER BY md5(id::text) LIMIT %(half)s)
            UNION
            (SELECT id, name, domain FROM crm_iap_lead_directory_company
              WHERE id %% 97 = 0 ORDER BY id LIMIT %(half)s)
        )
        INSERT INTO crm_lead (name, type, active, company_id, team_id, user_id, partner_name,
                              website, email_from, email_normalized, email_domain_criterion,
                              priority, probability, create_uid, write_uid, create_date, write_date)
        SELECT name, 'lead', TRUE, %(company)s, %(team)s, %(uid)s, name,
               CASE WHEN id %% 2 = 0 THEN 'https://www.' || domain END,
               CASE WHEN id %% 2 = 1 THEN 'sales@' || domain END,
               CASE WHEN id %% 2 = 1 THEN 'sales@' || domain END,
               CASE WHEN id %% 2 = 1 THEN '@' || domain END,
               '0', 10, %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM picked
    """, {"countries": countries, "industries": industries, "half": EXISTING_LEADS // 2,
          "company": env.ref("base.main_company").id, "team": team.id, "uid": odoo.SUPERUSER_ID})
    count = env.cr.rowcount
    env.cr.execute("ANALYZE crm_lead")
    return count


def directory_industries():
    return env["crm.iap.lead.industry"].search([], order="id", limit=DIRECTORY_INDUSTRIES)


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

def request_values(scenario):
    tags = env["crm.tag"].search([("name", "in", ("Bench Mined", "Bench 2026"))])
    vals = {
        "lead_number": 200, "search_type": "companies", "lead_type": "opportunity",
        "country_ids": [(6, 0, [env.ref("base.es").id, env.ref("base.it").id])],
        "user_id": env["res.users"].search([("login", "=", SALESMAN)]).id,
        "team_id": env["crm.team"].search([("name", "=", TEAM)]).id,
        "tag_ids": [(6, 0, tags.ids)],
    }
    roles = env["crm.iap.lead.role"].search([], order="id", limit=DIRECTORY_ROLES)
    people = {
        "search_type": "people", "contact_number": 5, "contact_filter_type": "role",
        "preferred_role_id": roles[0].id, "role_ids": [(6, 0, roles[1:].ids)],
    }
    if scenario == "companies":
        pass
    elif scenario == "people":
        vals.update(people)
    elif scenario.startswith("directory"):
        vals.update(people, provider="directory", filter_on_size=True, company_size_min=10,
                    company_size_max=1000, industry_ids=[(6, 0, directory_industries().ids)])
        if scenario == "directory_2000":  # ten times more: wider filters, same shape
            countries = [env.ref(f"base.{code}").id for code in ("es", "it", "fr", "de", "be", "us")]
            industries = env["crm.iap.lead.industry"].search([], order="id", limit=2 * DIRECTORY_INDUSTRIES)
            vals.update(lead_number=2000, country_ids=[(6, 0, countries)], industry_ids=[(6, 0, industries.ids)])
    if FLAVOR == "ours" and "provider" not in vals:
        vals["provider"] = "iap"
    return vals


class QuerySpy:
    """Counts executed queries by pattern (numbers and literals folded)."""

    def __init__(self):
        self.patterns = collections.Counter()
        self.captured = []
        self._original = None

    def __enter__(self):
        spy, original = self, odoo.sql_db.Cursor.execute
        self._original = original

        def execute(cursor, query, params=None, log_exceptions=True):
            text = str(query.code if hasattr(query, "code") else query)
            spy.captured.append((text, params))
            spy.patterns[re.sub(r"\s+", " ", re.sub(r"\b\d+\b|'[^']*'", "?", text)).strip()[:110]] += 1
            return original(cursor, query, params, log_exceptions)

        odoo.sql_db.Cursor.execute = execute
        return self

    def __exit__(self, *exc):
        odoo.sql_db.Cursor.execute = self._original


def one_run(scenario, manager, check):
    cr = env.cr
    Request = env["crm.iap.lead.mining.request"].with_user(manager).with_company(manager.company_id)
    request = Request.create(request_values(scenario))
    env.flush_all()
    env.invalidate_all()
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_mail")
    mail_before = cr.fetchone()[0]
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
    message_before = cr.fetchone()[0]
    spy = QuerySpy() if PROFILE else None
    if spy:
        spy.__enter__()
    profiler = cProfile.Profile() if PROFILE else None
    queries = odoo.sql_db.sql_counter
    started = time.perf_counter()
    try:
        if profiler:
            profiler.enable()
        request.action_submit()
        if request.state in ("queued", "running"):
            # Above 200 leads ours works in the background: the cron job's
            # batches are part of the work measured.
            env["crm.iap.lead.mining.request"]._cron_mine_in_background(autocommit=False)
        env.flush_all()
    finally:
        seconds = time.perf_counter() - started
        queries = odoo.sql_db.sql_counter - queries
        if profiler:
            profiler.disable()
        if spy:
            spy.__exit__()
    request = request.sudo()
    leads = request.with_context(active_test=False).lead_ids
    if request.state != "done" or not leads:
        fail(f"{scenario}: the request ended in {request.state} ({getattr(request, 'error_message', '')})")
    cr.execute("""SELECT count(*) FROM mail_message
                   WHERE model = 'crm.lead' AND res_id = ANY(%s)""", (leads.ids,))
    lead_messages = cr.fetchone()[0]
    cr.execute("""SELECT m.model, count(*) FROM mail_mail mm JOIN mail_message m ON m.id = mm.mail_message_id
                   WHERE mm.id > %s GROUP BY m.model""", (mail_before,))
    mails = dict(cr.fetchall())
    contacts = sum(1 for lead in leads if lead.contact_name)
    result = {
        "seconds": seconds, "queries": queries, "leads": len(leads),
        "leads_with_contact": contacts, "lead_messages": lead_messages,
        "mails_queued": sum(mails.values()), "mails_by_model": mails,
    }
    if scenario.startswith("directory"):
        result["contacts_delivered"] = -sum(request.env["crm.iap.lead.credit.line"].search(
            [("request_id", "=", request.id), ("reason", "=", "contacts")]).mapped("amount"))
        result["excluded_known"] = request.excluded_count
    if check:
        check_ours(scenario, request, leads, message_before)
    if spy:
        result["profile"] = spy.patterns.most_common(25)
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "40")))
        result["cprofile"] = stream.getvalue()
    cr.rollback()
    env.invalidate_all()
    return result


def check_ours(scenario, request, leads, message_before):
    """What ours promises, on every run: report failures loudly."""
    values = request_values(scenario)
    salesman = env["res.users"].browse(values["user_id"])
    team = env["crm.team"].browse(values["team_id"])
    tags = set(values["tag_ids"][0][2])
    watcher = env["res.users"].search([("login", "=", WATCHER)]).partner_id
    problems = collections.Counter()
    notes = dict(env["mail.message"]._read_group(
        [("model", "=", "crm.lead"), ("res_id", "in", leads.ids)], ["res_id"], ["__count"]))
    for lead in leads:
        if lead.user_id != salesman or lead.team_id != team:
            problems["not assigned to the salesperson and team"] += 1
        if set(lead.tag_ids.ids) != tags:
            problems["not tagged"] += 1
        if not (lead.country_id and lead.city and lead.street and (lead.email_from or lead.phone)):
            problems["no address, e-mail or phone"] += 1
        followers = lead.message_partner_ids
        if salesman.partner_id not in followers:
            problems["salesperson does not follow"] += 1
        if watcher not in followers:
            problems["team follower does not follow"] += 1
        if notes.get(lead.id, 0) != 1:
            problems["not exactly one chatter note"] += 1
    notified = env["mail.message"].search([
        ("id", ">", message_before), ("partner_ids", "in", salesman.partner_id.ids),
    ])
    if len(notified) != 1 or notified.model != "crm.iap.lead.mining.request":
        problems[f"{len(notified)} notifications to the salesperson instead of one summary"] += 1
    for problem, count in problems.items():
        fail(f"{scenario}: {problem} ({count} of {len(leads)} leads)")


def pick_timing(scenario, make_request):
    """The directory picking query alone: wall time of `_pick_companies`
    and PostgreSQL's own execution time (EXPLAIN ANALYZE), 3 times, each on
    a new request from `make_request()`."""
    walls, sqls, plan, sql = [], [], "", ""
    for _run in range(3):
        request = make_request()
        env.flush_all()
        with QuerySpy() as spy:
            started = time.perf_counter()
            # What one pick asks for: a background request picks a batch at a time.
            search = env["crm.iap.lead.provider.directory"]._search(request)
            company_ids, _excluded = env["crm.iap.lead.directory.search"]._pick_companies(search)
            walls.append((time.perf_counter() - started) * 1000)
        query, params = next((q, p) for q, p in reversed(spy.captured) if "candidate" in q)
        env.cr.execute("SELECT set_config('jit', 'off', true)")  # as the engine runs it
        env.cr.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query, params)
        explained = env.cr.fetchone()[0][0]
        sqls.append(explained["Execution Time"])
        env.cr.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query, params)
        plan = "\n".join(row[0] for row in env.cr.fetchall())
        sql = env.cr._obj.mogrify(query, params).decode()
        if len(company_ids) != search.limit:
            fail(f"{scenario}: picked {len(company_ids)} companies of {search.limit}")
        env.cr.rollback()
    return {"pick_wall_ms": statistics.median(walls), "pick_sql_ms": statistics.median(sqls),
            "pick_plan": plan, "pick_query": sql}


def scenario_step(scenario):
    manager = env["res.users"].search([("login", "=", MANAGER)])
    check = FLAVOR == "ours"
    baseline = rss_mib()
    runs = []
    for index in range(RUNS + 1):  # the first one warms up
        result = one_run(scenario, manager, check)
        result["rss_mib"] = rss_mib()
        runs.append(result)
        print(f"{FLAVOR} {scenario} run {index}{' (warm-up)' if index == 0 else ''}: "
              f"{result['leads']} leads in {result['seconds']:.2f}s, {result['queries']} queries, "
              f"{result['lead_messages']} messages, {result['mails_queued']} mails queued")
    timed = runs[1:]
    median = sorted(timed, key=lambda run: run["seconds"])[len(timed) // 2]
    data = {
        "flavor": FLAVOR, "scenario": scenario, "runs": runs,
        "seconds": statistics.median(run["seconds"] for run in timed),
        "leads": median["leads"],
        "queries_per_lead": median["queries"] / max(median["leads"], 1),
        "messages_per_lead": median["lead_messages"] / max(median["leads"], 1),
        "mails_queued": median["mails_queued"],
        "leads_with_contact": median["leads_with_contact"],
        "baseline_mib": round(baseline), "peak_mib": round(peak_mib()),
        "failures": FAILURES,
    }
    for key in ("contacts_delivered", "excluded_known"):
        if key in median:
            data[key] = median[key]
    if scenario.startswith("directory"):
        Request = env["crm.iap.lead.mining.request"].with_user(manager).with_company(manager.company_id)
        data.update(pick_timing(scenario, lambda: Request.create(request_values(scenario))))
        print(f"{FLAVOR} {scenario} picking: {data['pick_sql_ms']:.0f} ms SQL, {data['pick_wall_ms']:.0f} ms wall")
    if PROFILE:
        for pattern, count in median.get("profile", []):
            print(f"{count:6d}  {pattern}")
        print(median.get("cprofile", ""))
    write_out(data)


# ---------------------------------------------------------------------------
# reveal_ids (ours, D&B): the known companies sent with every search
# ---------------------------------------------------------------------------

def reveal_ids_step():
    """Build `reveal_ids` with 100,000 leads known by a reveal_id (a quarter
    archived), then submit a D&B request of 200 companies carrying them.
    Everything is rolled back."""
    env.cr.execute("""
        INSERT INTO crm_lead (name, type, active, company_id, reveal_id, priority, probability,
                              create_uid, write_uid, create_date, write_date)
        SELECT 'Known ' || n, 'lead', n %% 4 <> 0, %(company)s, lpad(n::text, 9, '0'), '0', 10,
               %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %(count)s) n
    """, {"company": env.ref("base.main_company").id, "uid": odoo.SUPERUSER_ID, "count": REVEAL_LEADS})
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("SELECT count(*) FROM crm_lead WHERE reveal_id IS NOT NULL")
    known = env.cr.fetchone()[0]
    requests = env["crm.iap.lead.mining.request"]
    builds = []
    for _index in range(RUNS + 1):  # the first one warms up
        env.invalidate_all()
        started = time.perf_counter()
        reveal_ids = env["crm.iap.lead.provider.iap"]._known_reveal_ids(env.ref("base.main_company"))
        builds.append((time.perf_counter() - started) * 1000)
    if len(reveal_ids) < REVEAL_LEADS:
        fail(f"reveal_ids: {len(reveal_ids)} ids for {REVEAL_LEADS} known leads")
    payload_bytes = len(json.dumps(reveal_ids).encode())
    env["ir.config_parameter"].sudo().set_param("crm_iap_mine.iap_protocol", "dnb")
    manager = env["res.users"].search([("login", "=", MANAGER)])
    request = requests.with_user(manager).create(request_values("companies"))
    started = time.perf_counter()
    request.action_submit()
    submit_seconds = time.perf_counter() - started
    if request.state != "done" or len(request.lead_ids) != 200:
        fail(f"reveal_ids: the D&B request ended {request.state} with {len(request.lead_ids)} leads")
    env.cr.rollback()
    data = {
        "flavor": FLAVOR, "scenario": "reveal_ids", "known_leads": known, "reveal_ids": len(reveal_ids),
        "build_ms": round(statistics.median(builds[1:]), 1), "builds_ms": [round(ms, 1) for ms in builds],
        "payload_kib": round(payload_bytes / 1024), "submit_200_seconds": round(submit_seconds, 2),
        "failures": FAILURES,
    }
    print(f"reveal_ids: {len(reveal_ids):,} ids of {known:,} known leads built in {data['build_ms']} ms "
          f"(runs {data['builds_ms']}), {data['payload_kib']} KiB of JSON; a D&B request of 200 companies "
          f"carrying them: {data['submit_200_seconds']} s")
    write_out(data)


def register_step():
    """Import a register file (or the SIRENE pair) as an operator would from
    the command line, committed: BENCH_REGISTER (register code),
    BENCH_REGISTER_FILES (paths separated by ':'), BENCH_LABEL, and
    BENCH_REGISTER_DIR, the folder holding them (the server's register
    folder, as the operator's configuration file would name it)."""
    from odoo.addons.crm_iap_mine.tools.registers.loader import PHASES   # pylint: disable=import-outside-toplevel  # ours only
    label = os.environ["BENCH_LABEL"]
    odoo.tools.config["crm_iap_mine_register_dir"] = os.environ["BENCH_REGISTER_DIR"]
    run = env["crm.iap.lead.register.import"].create({
        "register_code": os.environ["BENCH_REGISTER"], "source": "server",
        "server_path": os.environ["BENCH_REGISTER_FILES"].split(":")[0],
        "second_server_path": (os.environ["BENCH_REGISTER_FILES"].split(":")[1:] or [False])[0],
        "file_scope": "complete",
    })
    run.sudo().archive_confirmed = True   # the bench's monthly update archives what a real one would
    run._check_file_order()   # as an operator's import: in date order, its changes recorded as events
    run._update_state("queued")._update_state("running")
    rss_before = current_rss_mib()
    started = time.perf_counter()
    with run._open_sources() as binaries:
        run._import_file(binaries)
    env.cr.commit()
    seconds = time.perf_counter() - started
    if run.state != "done":
        fail(f"{label}: the import ended {run.state}: {run.error_message}")
    env.cr.execute("SELECT count(*) FROM crm_iap_lead_directory_company WHERE active")
    active = env.cr.fetchone()[0]
    data = {
        "scenario": label, "seconds": round(seconds, 1), "rows_read": run.rows_read,
        "rows_per_second": round(run.rows_read / seconds), "imported": run.imported_count,
        "updated": run.updated_count, "unchanged": run.unchanged_count, "archived": run.archived_count,
        "excluded": run.excluded_closed_count + run.excluded_person_count + run.excluded_private_count,
        "bad_rows": run.bad_row_count, "active_companies": active, "peak_rss_mib": round(peak_mib()),
        # The peak over what the process held before the import (Odoo loaded).
        "memory_growth_mib": round(peak_mib() - rss_before), "failures": FAILURES,
        "phases": {phase: round(run.loader_state["timings"].get(phase, 0), 1) for phase in PHASES},
        "events": run.event_count, "alerts": run.alert_count,
        # Of the files as given (decompressed bytes for a plain file: Denmark's JSON).
        "file_mib_per_second": round(sum(os.path.getsize(path) for path in os.environ["BENCH_REGISTER_FILES"].split(":"))
                                     / 2 ** 20 / seconds, 1),
    }
    print(f"{label}: {data['rows_read']:,} rows in {data['seconds']} s ({data['rows_per_second']:,} rows/s): "
          f"{data['imported']:,} imported, {data['updated']:,} updated, {data['unchanged']:,} unchanged, "
          f"{data['archived']:,} archived, {data['excluded']:,} excluded; {active:,} active companies; "
          f"peak RSS {data['peak_rss_mib']} MiB, memory growth {data['memory_growth_mib']} MiB; "
          f"{data['file_mib_per_second']} MiB/s of file")
    # Rows per second of a phase: of the rows it works on (read: the file's;
    # merge: the companies new or changed; archive: the register's).
    rows = {"read": run.rows_read, "copy": run.rows_read, "check": run.rows_read, "duplicates": run.rows_read,
            "merge": run.imported_count + run.updated_count, "archive": active, "watch": run.event_count}
    for phase in PHASES:
        seconds = data["phases"][phase]
        rate = f"{rows[phase] / seconds:>12,.0f} rows/s" if seconds else ""
        print(f"   {phase:<11}{seconds:>8.1f} s {rate}")
    other = data["seconds"] - sum(data["phases"].values())
    print(f"   {'other':<11}{other:>8.1f} s   (steps committed, progress, the import's own records)")
    write_out(data)


def current_rss_mib():
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def register_pick_step():
    """Picking 200 companies from the imported UK register (a whole country
    in the directory, no size known): with its most common industry, and
    with any industry."""
    uk = env.ref("base.uk")
    env.cr.execute("""
        SELECT industry_id FROM crm_iap_lead_directory_company
         WHERE active AND country_id = %s AND industry_id IS NOT NULL
      GROUP BY industry_id ORDER BY count(*) DESC LIMIT 1
    """, [uk.id])
    industry_id = env.cr.fetchone()[0]
    Request = env["crm.iap.lead.mining.request"]
    for label, industries in (("UK register, its most common industry", [industry_id]),
                              ("UK register, any industry", [])):
        env.cr.execute("""
            SELECT count(*) FROM crm_iap_lead_directory_company
             WHERE active AND country_id = %s AND (%s OR industry_id = ANY(%s))
        """, [uk.id, not industries, industries])
        candidates = env.cr.fetchone()[0]
        data = pick_timing(label, lambda: Request.create({  # noqa: B023 (used at once)
            "provider": "directory", "lead_number": 200, "country_ids": [(6, 0, uk.ids)],
            "industry_ids": [(6, 0, industries)],
        }))
        data.update(scenario=label, candidates=candidates, failures=FAILURES)
        print(f"{label}: picking 200 of {candidates:,} candidates: {data['pick_sql_ms']:.0f} ms SQL, "
              f"{data['pick_wall_ms']:.0f} ms wall")
        with open(OUT.replace(".json", f"-{len(industries)}.json"), "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)


# ---------------------------------------------------------------------------
# lookalike (ours): 200 companies most like 40 won deals, of the whole directory
# ---------------------------------------------------------------------------

def lookalike_step():
    """Most like my won deals: 40 won opportunities mined from companies of
    one industry and size band, 20 lost ones from any; the profiles counted
    and the deals learned (timed apart), then picking 200 companies with a
    filter every company of the directory matches (all its countries),
    known companies and, for people, contacts tested as always."""
    manager = env["res.users"].search([("login", "=", MANAGER)])
    team = env["crm.team"].search([("name", "=", TEAM)])
    env.cr.execute("SELECT array_agg(DISTINCT country_id) FROM crm_iap_lead_directory_company WHERE active")
    countries = env.cr.fetchone()[0]
    industry = directory_industries()[0]
    env.cr.execute("""
        SELECT id FROM crm_iap_lead_directory_company
         WHERE active AND industry_id = %s AND employees BETWEEN 50 AND 199 ORDER BY id LIMIT 40
    """, [industry.id])
    won_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute("SELECT id FROM crm_iap_lead_directory_company WHERE active AND id % 997 = 0 ORDER BY id LIMIT 20")
    lost_ids = [row[0] for row in env.cr.fetchall()]
    Lead = env["crm.lead"].with_context(tracking_disable=True)
    deals = Lead.create([{"name": f"Bench won {company_id}", "type": "opportunity", "team_id": team.id,
                          "company_id": manager.company_id.id, "reveal_id": f"directory-{company_id}"}
                         for company_id in won_ids])
    deals.action_set_won()
    lost = Lead.create([{"name": f"Bench lost {company_id}", "type": "opportunity", "team_id": team.id,
                         "company_id": manager.company_id.id, "reveal_id": f"directory-{company_id}"}
                        for company_id in lost_ids])
    lost.action_set_lost()
    Lookalike = env["crm.iap.lead.lookalike"]
    started = time.perf_counter()
    Lookalike._refresh_profiles()
    profiles_s = time.perf_counter() - started
    env.cr.execute("SELECT count(*), sum(company_count) FROM crm_iap_lead_directory_profile")
    profile_count, counted = env.cr.fetchone()
    started = time.perf_counter()
    profile = Lookalike._current(manager.company_id, team)
    learn_s = time.perf_counter() - started
    env.cr.commit()   # pick_timing rolls back after each run
    print(f"lookalike: {profile_count:,} profiles of {counted:,} companies counted in {profiles_s:.2f} s; "
          f"{profile.won_count} won and {profile.lost_count} lost deals learned in {learn_s * 1000:.0f} ms")
    Request = env["crm.iap.lead.mining.request"].with_user(manager).with_company(manager.company_id)
    results = {"scenario": "lookalike", "profiles": profile_count, "companies": counted,
               "profiles_s": round(profiles_s, 2), "learn_ms": round(learn_s * 1000), "failures": FAILURES}
    half = "active AND id % 2 = 0"   # the loaded directory is never delivered
    try:
        for label in ("companies", "people", "people, half of the directory delivered before"):
            if label.startswith("people, half"):
                # Delivered companies come from the profile index's other range.
                env.cr.execute(f"""UPDATE crm_iap_lead_directory_company SET delivery_count = 1,
                                          last_delivered_date = now() at time zone 'UTC' - interval '1 day'
                                    WHERE {half}""")
                env.cr.execute("ANALYZE crm_iap_lead_directory_company")
                env.cr.commit()
            vals = dict(request_values("directory"), country_ids=[(6, 0, countries)], industry_ids=[(5,)],
                        filter_on_size=False, mining_order="lookalike", lookalike_team_id=team.id)
            if label == "companies":
                vals.update(search_type="companies")
            data = pick_timing(f"lookalike {label}", lambda: Request.create(vals))  # noqa: B023 (used at once)
            results[label] = data
            print(f"lookalike, {label}: picking 200 most like the won deals of {counted:,}: "
                  f"{data['pick_sql_ms']:.0f} ms SQL (the candidates), {data['pick_wall_ms']:.0f} ms wall "
                  f"(ranking the profiles included)")
    finally:
        env.cr.rollback()
        env.cr.execute(f"UPDATE crm_iap_lead_directory_company SET delivery_count = 0, last_delivered_date = NULL "
                       f"WHERE {half} AND delivery_count = 1")
        (deals | lost).unlink()
        profile.sudo().unlink()
        env.cr.commit()
    write_out(results)


# ---------------------------------------------------------------------------
# matching (ours): 100,000 partners against a register of 5.7 M companies
# ---------------------------------------------------------------------------

MATCHING_SIZE = int(os.environ.get("BENCH_MATCHING_SIZE") or 5_700_000)
MATCHING_PARTNERS = 100_000


def matching_load_step():
    """A UK register of MATCHING_SIZE companies, committed (kept with
    BENCH_KEEP=1): numbers 00000001..., one in ten with a website, names
    and postcodes as the registers have them, the name key in SQL as an
    import computes it."""
    from odoo.addons.crm_iap_mine.tools.company_names import name_key_sql
    env.cr.execute("SELECT count(*) FROM crm_iap_lead_directory_company WHERE register_code = 'gb_companies_house'")
    if env.cr.fetchone()[0] >= MATCHING_SIZE:
        print("matching: the register is already loaded")
        return
    started = time.perf_counter()
    env.cr.execute(f"""
        INSERT INTO crm_iap_lead_directory_company
               (register_code, register_number, name, name_key, street, city, zip, country_id, domain,
                active, delivery_count, create_uid, write_uid, create_date, write_date)
        SELECT 'gb_companies_house', lpad(n::text, 8, '0'), r.name, {name_key_sql("r.name")},
               n || ' High Street', 'LONDON', 'N' || (n %% 97) || ' ' || (n %% 9) || 'AB', %(uk)s,
               CASE WHEN n %% 10 = 0 THEN 'bench' || n || '.example' END,
               TRUE, 0, %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %(count)s) n
         CROSS JOIN LATERAL (SELECT 'BENCH TRADING ' || n || ' LIMITED' AS name) r
    """, {"uk": env.ref("base.uk").id, "uid": odoo.SUPERUSER_ID, "count": MATCHING_SIZE})
    env.cr.commit()
    print(f"matching: {MATCHING_SIZE:,} register companies loaded in {time.perf_counter() - started:.0f} s")


def matching_step():
    """Match MATCHING_PARTNERS company partners (rolled back): a third by
    Company ID (some without the leading zeros), a sixth by website, a
    third by name and postcode, the rest unknown to the register. Timed as
    the background run works: chunk after chunk."""
    step = MATCHING_SIZE // MATCHING_PARTNERS
    env.cr.execute("""
        INSERT INTO res_partner (name, complete_name, is_company, active, type, country_id, company_registry,
                                 website, zip, create_uid, write_uid, create_date, write_date)
        SELECT p.name, p.name, TRUE, TRUE, 'contact', %(uk)s,
               CASE WHEN i %% 6 IN (0, 1) THEN CASE WHEN i %% 2 = 0 THEN lpad(n::text, 8, '0') ELSE n::text END END,
               CASE WHEN i %% 6 = 2 THEN 'https://www.bench' || (n - n %% 10) || '.example/' END,
               CASE WHEN i %% 6 IN (3, 4) THEN lower('N' || (n %% 97) || (n %% 9) || 'ab') END,
               %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %(count)s) i
         CROSS JOIN LATERAL (SELECT i * %(step)s AS n) s
         CROSS JOIN LATERAL (SELECT CASE WHEN i %% 6 = 5 THEN 'Unknown Partner ' || n
                                         ELSE 'Bench Trading ' || n || ' Ltd.' END AS name) p
    """, {"uk": env.ref("base.uk").id, "uid": odoo.SUPERUSER_ID, "count": MATCHING_PARTNERS, "step": step})
    env.cr.execute("ANALYZE res_partner")
    Matching = env["crm.iap.lead.directory.matching"]
    run = Matching.create({"total_count": MATCHING_PARTNERS})
    started = time.perf_counter()
    while run.state == "queued":
        run._match_chunk(10_000)
    seconds = time.perf_counter() - started
    # Expected: every number and name+postcode (a sixth by website too).
    expected_linked = MATCHING_PARTNERS // 6 * 3
    expected_suggested = MATCHING_PARTNERS // 6 * 2
    if run.linked_count < expected_linked or run.suggested_count < expected_suggested:
        fail(f"matching: {run.linked_count} linked and {run.suggested_count} suggested, expected at least "
             f"{expected_linked} and {expected_suggested}")
    data = {"scenario": "matching", "partners": run.partner_count, "directory": MATCHING_SIZE,
            "seconds": round(seconds, 1), "linked": run.linked_count, "suggested": run.suggested_count,
            "failures": FAILURES}
    print(f"matching: {run.partner_count:,} partners (and {run.lead_count:,} leads) against {MATCHING_SIZE:,} "
          f"register companies in {seconds:.1f} s: {run.linked_count:,} linked, {run.suggested_count:,} suggested")
    env.cr.rollback()
    write_out(data)


if STEP == "setup":
    setup()
elif STEP == "matching_load":
    matching_load_step()
elif STEP == "matching":
    matching_step()
elif STEP == "register":
    register_step()
elif STEP == "register_pick":
    register_pick_step()
elif STEP == "load":
    load()
elif STEP == "lookalike":
    lookalike_step()
elif STEP == "reveal_ids":
    reveal_ids_step()
else:
    scenario_step(STEP)
