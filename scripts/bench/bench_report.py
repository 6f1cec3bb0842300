"""Last step of `make bench`: one table from the step files of scripts/bench/bench.py.

    python3 scripts/bench/bench_report.py .local/bench

Prints the machine, the table and the targets, writes `bench.json` next to
the step files, and exits 1 when a check of ours failed (a missed speed or
memory target is reported, not fatal: timings depend on the machine).
"""
# pylint: disable=print-used
import json
import os
import sys
from pathlib import Path

SCENARIOS = [
    ("companies", "1. IAP, 200 companies"),
    ("people", "2. IAP, 200 companies x 5 contacts"),
    ("directory", "3. Directory 1M, 200 with contacts"),
    ("directory_2000", "3b. Directory 1M, 2,000 with contacts"),
]


def load(folder, flavor, step):
    path = folder / f"step-{flavor}-{step}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".local/bench")
    setup = load(folder, "ours", "setup") or {}
    machine = setup.get("machine", {})
    rows, failures = [], []
    for step, label in SCENARIOS:
        stock, ours = load(folder, "stock", step), load(folder, "ours", step)
        if not ours:
            continue
        failures += ours.get("failures", [])
        row = {
            "scenario": label, "step": step, "leads": ours["leads"],
            "stock_s": stock and round(stock["seconds"], 2), "ours_s": round(ours["seconds"], 2),
            "ratio": stock and round(stock["seconds"] / ours["seconds"], 2),
            "queries_per_lead_stock": stock and round(stock["queries_per_lead"], 1),
            "queries_per_lead_ours": round(ours["queries_per_lead"], 2),
            "messages_per_lead_stock": stock and round(stock["messages_per_lead"], 2),
            "messages_per_lead_ours": round(ours["messages_per_lead"], 2),
            "mails_queued_stock": stock and stock["mails_queued"], "mails_queued_ours": ours["mails_queued"],
            "peak_mib_stock": stock and stock["peak_mib"], "peak_mib_ours": ours["peak_mib"],
            "growth_mib_stock": stock and stock["peak_mib"] - stock["baseline_mib"],
            "growth_mib_ours": ours["peak_mib"] - ours["baseline_mib"],
            "runs_s_stock": stock and [round(run["seconds"], 2) for run in stock["runs"]],
            "runs_s_ours": [round(run["seconds"], 2) for run in ours["runs"]],
        }
        for key in ("pick_sql_ms", "pick_wall_ms", "contacts_delivered", "excluded_known"):
            if key in ours:
                row[key] = round(ours[key], 1)
        rows.append(row)

    print()
    print(f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('ram_gib')} GiB RAM; "
          f"PostgreSQL {machine.get('postgresql')}; Odoo {machine.get('odoo')}; Python {machine.get('python')}")
    load_info = load(folder, "ours", "load") or {}
    if load_info.get("load_seconds"):
        print(f"Directory: {load_info['directory_companies']:,} companies, {load_info['directory_contacts']:,} "
              f"contacts loaded with COPY in {load_info['load_seconds']:.0f} s (peak {load_info['load_peak_mib']} MiB); "
              f"{load_info['existing_leads']:,} existing leads")
    header = ("Scenario", "stock s", "ours s", "ratio", "q/lead stock", "q/lead ours",
              "msg/lead stock/ours", "mails stock/ours", "peak MiB stock/ours")
    lines = [header]
    for row in rows:
        lines.append((
            row["scenario"], fmt(row["stock_s"], ".2f"), fmt(row["ours_s"], ".2f"),
            "-" if row["ratio"] is None else f"{row['ratio']:.2f}x",
            fmt(row["queries_per_lead_stock"], ".1f"), fmt(row["queries_per_lead_ours"], ".2f"),
            f"{fmt(row['messages_per_lead_stock'], '.2f')} / {row['messages_per_lead_ours']:.2f}",
            f"{fmt(row['mails_queued_stock'], 'd')} / {row['mails_queued_ours']}",
            f"{fmt(row['peak_mib_stock'], 'd')} / {row['peak_mib_ours']}",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for index, line in enumerate(lines):
        print(" | ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                         for i, (cell, width) in enumerate(zip(line, widths))))
        if index == 0:
            print("-+-".join("-" * width for width in widths))
    for row in rows:
        if "pick_sql_ms" in row:
            print(f"{row['scenario']}: picking query {row['pick_sql_ms']:.0f} ms SQL "
                  f"({row['pick_wall_ms']:.0f} ms wall), {row.get('contacts_delivered', 0):.0f} contacts, "
                  f"{row.get('excluded_known', 0):.0f} known companies left out; "
                  f"memory growth {row['growth_mib_ours']} MiB")

    reveal = load(folder, "ours", "reveal_ids")
    if reveal:
        failures += reveal.get("failures", [])
        print(f"reveal_ids (D&B): {reveal['reveal_ids']:,} ids of {reveal['known_leads']:,} known leads built in "
              f"{reveal['build_ms']} ms, {reveal['payload_kib']} KiB of JSON; a D&B request of 200 companies "
              f"carrying them: {reveal['submit_200_seconds']} s")

    by_step = {row["step"]: row for row in rows}
    targets = []
    people, directory, big = by_step.get("people"), by_step.get("directory"), by_step.get("directory_2000")
    if people and people["ratio"] is not None:
        targets.append((f"200x5: ours >= 4x faster than stock ({people['ratio']:.2f}x)", people["ratio"] >= 4))
        targets.append((f"200x5: <= 3 SQL queries per lead ({people['queries_per_lead_ours']:.2f})",
                        people["queries_per_lead_ours"] <= 3))
    if directory:
        targets.append((f"directory picking < 200 ms SQL at 1M companies ({directory['pick_sql_ms']:.0f} ms)",
                        directory["pick_sql_ms"] < 200))
        if people:
            targets.append((f"200x5 directory request <= the IAP one ({directory['ours_s']:.2f} s vs "
                            f"{people['ours_s']:.2f} s)", directory["ours_s"] <= people["ours_s"]))
    if directory and big:
        # Flat: ten times the leads may not take ten times the memory.
        small_growth, big_growth = directory["growth_mib_ours"], big["growth_mib_ours"]
        targets.append((f"memory flat with request size (growth {small_growth} MiB for 200 leads, "
                        f"{big_growth} MiB for 2,000; peak {directory['peak_mib_ours']} -> {big['peak_mib_ours']} MiB)",
                        big["peak_mib_ours"] <= 1.5 * directory["peak_mib_ours"]))
    print()
    for text, held in targets:
        print(f"{'HOLDS' if held else 'MISSED'}  {text}")
    for failure in failures:
        print(f"CHECK FAILED  {failure}")
    if not failures:
        print("Checks of ours: every lead assigned, tagged and addressed, salesperson and team follower "
              "following, one chatter note per lead, one summary notification: OK")
    seconds = int(os.environ.get("BENCH_SECONDS") or 0)
    if seconds:
        print(f"make bench took {seconds // 60} min {seconds % 60} s")
    result = {"machine": machine, "directory": load_info, "rows": rows,
              "targets": [{"target": text, "holds": held} for text, held in targets],
              "failures": failures, "bench_seconds": seconds}
    (folder / "bench.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"Written to {folder / 'bench.json'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
