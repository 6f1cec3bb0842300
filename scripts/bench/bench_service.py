# Run by scripts/bench/bench.sh through `odoo shell` (stdin) on the database that
# serves the directory (the bench's database with 1,000,000 companies), before
# and after the load of scripts/bench/bench_service_load.py.
#
# Environment: BENCH_STEP (setup | check), BENCH_STATE (JSON file: written by
# setup, read by the load and by check), BENCH_LOAD_OUT (check: what the load
# saw), BENCH_OUT (check: the results), BENCH_SERVICE_CLIENTS (setup, default 8).
#
# setup: the service on, one client account per load thread (credits enough,
# no rate limit in the way), a fresh token each; the ledger and audit ids to
# count from. check: the load's deliveries against the audit and the ledger.
#
# `env` is given by `odoo shell`.
# pylint: disable=undefined-variable,print-used,invalid-commit
import json
import os
import statistics

STEP = os.environ["BENCH_STEP"]
STATE = os.environ["BENCH_STATE"]
CLIENTS = int(os.environ.get("BENCH_SERVICE_CLIENTS") or 8)
CREDITS = 10 ** 6


def last_id(table):
    env.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # pylint: disable=sql-injection
    return env.cr.fetchone()[0]


def setup():
    env["ir.config_parameter"].sudo().set_param("crm_iap_mine.service_enabled", "True")
    Client = env["crm.iap.lead.service.client"]

    def ready(name):
        client = Client.search([("name", "=", name)]) or Client.create({"name": name, "rate_limit": 100000})
        client.rate_limit = 10 ** 6  # busy answers count in the rate limit too
        if client.balance < CREDITS // 2:
            env["crm.iap.lead.credit.line"]._record(client.company_id, "directory", [(CREDITS, "topup")],
                                                    reference="make bench", service_client=client)
        token = client.action_generate_token()["params"]["message"].rsplit(" ", 1)[-1]
        client.invalidate_recordset(["balance"])  # read before the top-up
        return {"id": client.id, "token": token, "price": client.price_per_company, "balance_before": client.balance}

    clients = [ready(f"Bench client {number}") for number in range(1, CLIENTS + 1)]
    # One token called by CLIENTS threads at once (after the clients' load).
    state = {"clients": clients, "shared": ready("Bench shared client"),
             "after_call_id": last_id("crm_iap_lead_service_call"),
             "after_ledger_id": last_id("crm_iap_lead_credit_line")}
    env.cr.commit()
    with open(STATE, "w", encoding="utf-8") as state_file:
        json.dump(state, state_file)
    print(f"service: {CLIENTS} client accounts ready")


def check():
    with open(STATE, encoding="utf-8") as state_file:
        state = json.load(state_file)
    with open(os.environ["BENCH_LOAD_OUT"], encoding="utf-8") as load_file:
        load = json.load(load_file)
    env.invalidate_all()
    failures = list(load["failures"])
    after_call, after_ledger = state["after_call_id"], state["after_ledger_id"]
    seen_of = dict(load["clients"], **{str(state["shared"]["id"]): load["shared"]})
    for client_state in state["clients"] + [state["shared"]]:
        client = env["crm.iap.lead.service.client"].browse(client_state["id"])
        seen = seen_of[str(client.id)]
        env.cr.execute("""
            SELECT COALESCE(SUM(company_count), 0), COALESCE(SUM(credits), 0) FROM crm_iap_lead_service_call
             WHERE client_id = %s AND id > %s AND outcome = 'done'
        """, (client.id, after_call))
        logged_companies, logged_credits = env.cr.fetchone()
        env.cr.execute("""
            SELECT COALESCE(-SUM(amount), 0) FROM crm_iap_lead_credit_line
             WHERE service_client_id = %s AND id > %s AND amount < 0
        """, (client.id, after_ledger))
        debited = env.cr.fetchone()[0]
        spent = client_state["balance_before"] - client.balance
        expected = seen["companies"] * client_state["price"]
        if not debited == logged_credits == spent == expected or logged_companies != seen["companies"]:
            failures.append(f"{client.name}: {seen['companies']} companies received x {client_state['price']} "
                            f"credits = {expected}, but {logged_companies} companies logged, {debited} debited, "
                            f"balance down by {spent}")
    env.cr.execute("SELECT count(*) FROM crm_iap_lead_service_call WHERE client_id = %s AND id > %s AND outcome = 'busy'",
                   (state["shared"]["id"], after_call))
    busy_logged = env.cr.fetchone()[0]
    if busy_logged != load["shared"]["busy_answers"]:
        failures.append(f"shared token: {load['shared']['busy_answers']} busy answers received, {busy_logged} logged")
    # Over every call ever made, not only this run's.
    env.cr.execute("""
        SELECT count(*) FROM (
            SELECT 1 FROM crm_iap_lead_service_call_delivery d
              JOIN crm_iap_lead_service_call c ON c.id = d.call_id
             GROUP BY c.client_id, d.company_id HAVING count(*) > 1) twice
    """)
    delivered_twice = env.cr.fetchone()[0]
    if delivered_twice:
        failures.append(f"{delivered_twice} companies delivered twice to the same client (audit)")
    env.cr.execute("""
        SELECT duration_ms FROM crm_iap_lead_service_call WHERE id > %s AND outcome = 'done' ORDER BY duration_ms
    """, (after_call,))
    durations = [duration for (duration,) in env.cr.fetchall()]
    server_p50 = statistics.median(durations) if durations else None
    server_p95 = durations[int(0.95 * len(durations))] if durations else None
    result = dict(load, failures=failures, server_p50_ms=server_p50, server_p95_ms=server_p95,
                  delivered_twice=delivered_twice)
    with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)
    print(f"service: time per call in the server (audit): p50 {server_p50} ms, p95 {server_p95} ms; "
          f"companies delivered twice to a client: {delivered_twice}; credits: "
          f"{'debits == companies delivered x price for every client' if not failures else 'MISMATCH'}; "
          f"shared token: {busy_logged} busy answers logged")
    for failure in failures:
        print(f"BENCH FAILURE: {failure}")


if STEP == "setup":
    setup()
else:
    check()
