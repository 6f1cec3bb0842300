"""The load of `make bench`'s service scenario: concurrent clients of the
lead-mining service, one thread and one client account each.

    python3 scripts/bench/bench_service_load.py URL STATE_JSON OUT_JSON [SECONDS [SHARED_SECONDS]]

Every thread asks the Dun & Bradstreet route for 20 companies at a time
(Spain and Italy, as the directory scenario) until SECONDS have passed (the
calls under way then are waited for). Prints requests per second and the
latency percentiles, and writes what each client received to OUT_JSON;
a company a client receives twice, or an answer that is neither companies
nor "no more companies", is a failure.

Then one shared token is called by as many threads at once for
SHARED_SECONDS (default 20): the service serves one call of a client at a
time and answers the others "busy" at once (counted; the thread retries
after a short pause). An HTTP 500, another error, or a company received
twice by the shared client is a failure. Plain Python: no Odoo here.
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


BUSY = "one call at a time per account"  # in the service's "busy, retry" answer
BUSY_PAUSE = 0.05  # seconds a client waits before calling again after "busy"


def client_loop(url, client, deadline, result, received=None, lock=None):
    """Call with `client`'s token until `deadline`. Threads sharing one token
    share `received` (under `lock`) and `result`."""
    session = requests.Session()
    received = set() if received is None else received
    lock = lock or threading.Lock()
    while time.monotonic() < deadline:
        started = time.monotonic()
        response = session.post(url + DNB_PATH, timeout=300, json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"account_token": client["token"], "query": QUERY, "reveal_ids": []},
        })
        latency = time.monotonic() - started
        answer = response.json() if response.status_code == 200 else {}
        items = (answer.get("result") or {}).get("data")
        with lock:
            if response.status_code >= 500:
                result["http_500"] += 1
            if items is None or answer["result"].get("credit_error"):
                error = (answer.get("error") or {}).get("data", {}).get("message") or f"HTTP {response.status_code}"
                if BUSY in error:
                    result["busy"] += 1
                else:
                    result["errors"].append(error[:200])
            else:
                duns = [item["duns"] for item in items]
                result["twice"] += len(received.intersection(duns)) + len(duns) - len(set(duns))
                received.update(duns)
                result["companies"] += len(duns)
                result["latencies"].append(latency)
        if items is None:
            time.sleep(BUSY_PAUSE)


def new_result():
    return {"latencies": [], "errors": [], "twice": 0, "companies": 0, "busy": 0, "http_500": 0}


def shared_token(url, client, threads, seconds):
    """`threads` threads calling with one client's token at once."""
    result, received, lock = new_result(), set(), threading.Lock()
    started = time.monotonic()
    workers = [threading.Thread(target=client_loop, args=(url, client, started + seconds, result, received, lock))
               for _thread in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    failures = [f"shared token: {len(result['errors'])} calls failed, e.g. {result['errors'][0]}"] \
        if result["errors"] else []
    if result["http_500"]:
        failures.append(f"shared token: {result['http_500']} HTTP 500 answers")
    if result["twice"]:
        failures.append(f"shared token: {result['twice']} companies received twice")
    summary = {"id": client["id"], "threads": threads, "seconds": round(elapsed, 1),
               "served_calls": len(result["latencies"]), "busy_answers": result["busy"],
               "failed_calls": len(result["errors"]), "http_500": result["http_500"],
               "companies": result["companies"], "received_twice": result["twice"],
               "served_per_second": round(len(result["latencies"]) / elapsed, 2)}
    print(f"service, one token called by {threads} threads at once for {summary['seconds']} s: "
          f"{summary['served_calls']} calls served ({summary['served_per_second']}/s), {result['busy']} answered "
          f"busy, {summary['failed_calls']} failed, {result['http_500']} HTTP 500; {result['companies']:,} companies, "
          f"{result['twice']} received twice")
    return summary, failures


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def main(url, state_path, out_path, seconds=60, shared_seconds=20):
    with open(state_path, encoding="utf-8") as state_file:
        state = json.load(state_file)
    clients = state["clients"]
    results = {client["id"]: new_result() for client in clients}
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
    http_500 = sum(result["http_500"] for result in results.values())
    if http_500:
        failures.append(f"{http_500} HTTP 500 answers")
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
    print(f"service: {summary['threads']} clients for {summary['seconds']} s: {summary['calls']} calls of "
          f"{PER_CALL} companies ({summary['failed_calls']} failed), {summary['requests_per_second']} requests/s, "
          f"latency p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms; {summary['companies']:,} companies "
          f"delivered, {twice} received twice by the same client")
    summary["shared"], shared_failures = shared_token(url, state["shared"], len(clients), float(shared_seconds))
    failures.extend(shared_failures)
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(summary, out, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
