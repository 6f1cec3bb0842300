"""The load of `make bench`'s service scenario: concurrent clients of the
lead-mining service, one thread and one client account each.

    python3 scripts/bench/bench_service_load.py URL STATE_JSON OUT_JSON [SECONDS]

Every thread asks the Dun & Bradstreet route for 20 companies at a time
(Spain and Italy, as the directory scenario) until SECONDS have passed (the
calls under way then are waited for). Prints requests per second and the
latency percentiles, and writes what each client received to OUT_JSON;
a company a client receives twice, or an answer that is neither companies
nor "no more companies", is a failure. Plain Python: no Odoo here.
"""
# pylint: disable=print-used
import json
import statistics
import sys
import threading
import time

import requests

DNB_PATH = "/api/dnb/1/search_by_criteria"
PER_CALL = 20
QUERY = {"lead_number": PER_CALL, "search_type": "companies",
         "countries": [{"code": "ES", "states": []}, {"code": "IT", "states": []}]}


def client_loop(url, client, deadline, result):
    session = requests.Session()
    received = set()
    while time.monotonic() < deadline:
        started = time.monotonic()
        response = session.post(url + DNB_PATH, timeout=300, json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"account_token": client["token"], "query": QUERY, "reveal_ids": []},
        })
        latency = time.monotonic() - started
        answer = response.json() if response.status_code == 200 else {}
        items = (answer.get("result") or {}).get("data")
        if items is None or answer["result"].get("credit_error"):
            error = (answer.get("error") or {}).get("data", {}).get("message") or f"HTTP {response.status_code}"
            result["errors"].append(error[:200])
            continue
        duns = [item["duns"] for item in items]
        result["twice"] += len(received.intersection(duns)) + len(duns) - len(set(duns))
        received.update(duns)
        result["companies"] += len(duns)
        result["latencies"].append(latency)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def main(url, state_path, out_path, seconds=60):
    with open(state_path, encoding="utf-8") as state_file:
        clients = json.load(state_file)["clients"]
    results = {client["id"]: {"latencies": [], "errors": [], "twice": 0, "companies": 0} for client in clients}
    started = time.monotonic()
    threads = [threading.Thread(target=client_loop, args=(url, client, started + float(seconds), results[client["id"]]))
               for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = [latency for result in results.values() for latency in result["latencies"]]
    errors = [error for result in results.values() for error in result["errors"]]
    failures = [f"{len(errors)} calls failed, e.g. {errors[0]}"] if errors else []
    twice = sum(result["twice"] for result in results.values())
    if twice:
        failures.append(f"{twice} companies received twice by the same client")
    summary = {
        "clients": {str(client_id): {"calls": len(result["latencies"]), "companies": result["companies"]}
                    for client_id, result in results.items()},
        "threads": len(clients), "seconds": round(elapsed, 1), "calls": len(latencies), "failed_calls": len(errors),
        "companies": sum(result["companies"] for result in results.values()),
        "requests_per_second": round(len(latencies) / elapsed, 2),
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000) if latencies else None,
        "received_twice": twice, "failures": failures,
    }
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(summary, out, indent=1)
    print(f"service: {summary['threads']} clients for {summary['seconds']} s: {summary['calls']} calls of "
          f"{PER_CALL} companies ({summary['failed_calls']} failed), {summary['requests_per_second']} requests/s, "
          f"latency p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms; {summary['companies']:,} companies "
          f"delivered, {twice} received twice by the same client")


if __name__ == "__main__":
    main(*sys.argv[1:])
