#!/usr/bin/env bash
# `make bench`: the stock crm_iap_mine and this addon side by side, on two
# fresh databases without demo data, against the loopback lead-mining
# service (tests/lead_mining_server.py). Every scenario runs in its own
# `odoo shell` process (scripts/bench/bench.py): a warm-up, then the median of 3
# runs, each rolled back. Prints one table (scripts/bench/bench_report.py) and
# writes it to .local/bench/bench.json. Takes about 10 minutes.
#
# Environment: PG_SHARED_BUFFERS (of the cluster the bench starts, default
# 4GB), BENCH_RUNS (timed runs, default 3), BENCH_KEEP=1 (keep the
# databases; a later run with the same BENCH_STOCK_DB / BENCH_OURS_DB reuses
# them and the loaded directory), BENCH_DIRECTORY_SIZE (default 1000000),
# BENCH_ONLY=reveal_ids (only the D&B reveal_ids step, on our database),
# BENCH_ONLY=directory (only the directory scenarios and their picking, on
# our database; with BENCH_KEEP=1 a second run skips the load), BENCH_ONLY=lookalike
# (the same directory, picking most like 40 won deals; profiles and learning timed apart),
# BENCH_ONLY=service (scenario 5 alone), BENCH_ONLY=registers (only the register imports, on our database; see
# scripts/bench/bench_registers.sh; BENCH_ONLY=registers_be: Belgium's KBO alone; registers_ee: Estonia's pair alone;
# registers_dk: Denmark's CVR dump alone, BENCH_DK_DOCUMENTS documents, default 2,000,000), BENCH_ONLY=matching (100,000 partners matched against a UK register
# of BENCH_MATCHING_SIZE companies, default 5,700,000, loaded in SQL; with BENCH_KEEP=1 a second run skips the load).
set -euo pipefail
source "$(dirname "$0")/../odoo/odoo_env.sh"

find_odoo
# The cluster the bench starts holds a directory of millions of companies:
# PostgreSQL's own advice for a server is a quarter of its memory
# (PG_SHARED_BUFFERS=128MB, the default of initdb, measures without it).
PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS:-4GB}
pg_up
OUT_DIR="$STATE_DIR/bench"
mkdir -p "$OUT_DIR"
STOCK_DB=${BENCH_STOCK_DB:-crm_iap_mine_bench_stock_$$}
OURS_DB=${BENCH_OURS_DB:-crm_iap_mine_bench_ours_$$}
SERVER_PID=
db_exists() { pg_psql -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; }
drop_db() {
    odoo_db drop "$1" >/dev/null 2>&1 || \
        pg_psql -d postgres -qc "DROP DATABASE IF EXISTS \"$1\"" >/dev/null 2>&1 || true
}
SERVICE_PID=
finish() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    stop_background "$SERVICE_PID"
    if [ "${BENCH_KEEP:-0}" != 1 ]; then drop_db "$STOCK_DB"; drop_db "$OURS_DB"; fi
    pg_down; cleanup_links
}
trap finish EXIT
started=$(date +%s)
rm -f "$OUT_DIR"/step-*.json

# The service: deterministic companies, a new batch on every call.
PORT=$(free_port)
"$ODOO_PYTHON" "$REPO_DIR/tests/lead_mining_server.py" --port "$PORT" --balance 1000000000 --seed 7 \
    >"$OUT_DIR/server.log" 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 50); do
    "$ODOO_PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
    sleep 0.2
done

path_of() { if [ "$1" = stock ]; then echo "$STOCK_ADDONS_PATH"; else echo "$ADDONS_PATH"; fi; }
db_of() { if [ "$1" = stock ]; then echo "$STOCK_DB"; else echo "$OURS_DB"; fi; }

# BENCH_ONLY: only some steps, on our database.
FLAVORS="stock ours"
[ -n "${BENCH_ONLY:-}" ] && FLAVORS=ours
echo "== Installing crm_iap_mine: $FLAVORS (no demo data)"
for flavor in $FLAVORS; do
    db=$(db_of $flavor)
    db_exists "$db" && continue
    odoo_run "$(path_of $flavor)" -d "$db" -i crm_iap_mine --without-demo=all --stop-after-init --no-http \
        --max-cron-threads=0 --log-level=warn --logfile="$OUT_DIR/install-$flavor.log" &
done
wait_all() { local rc=0; for job in $(jobs -p); do [ "$job" = "$SERVER_PID" ] || wait "$job" || rc=1; done; return $rc; }
wait_all || die "installation failed, see $OUT_DIR/install-*.log"

# Scenario 5, alone with BENCH_ONLY=service: our database serves its
# directory to BENCH_SERVICE_CLIENTS concurrent clients (default 8; threads on
# 127.0.0.1, scripts/bench/bench_service_load.py) for BENCH_SERVICE_SECONDS (default
# 60) through an Odoo server with --workers=2, then one token called by as
# many threads at once for BENCH_SERVICE_SHARED_SECONDS (default 20: one call
# served at a time, the others answered "busy" at once); scripts/bench/bench_service.py
# prepares the client accounts and checks deliveries, credits and busy answers after.
service_load() {
    local port state="$OUT_DIR/service-state.json"
    BENCH_STEP=setup BENCH_STATE="$state" odoo_run "$ADDONS_PATH" shell -d "$OURS_DB" --no-http \
        --max-cron-threads=0 --log-level=warn --logfile="$OUT_DIR/shell.log" <"$REPO_DIR/scripts/bench/bench_service.py" \
        || die "service setup failed, see $OUT_DIR/shell.log"
    port=$(free_port)
    : >"$OUT_DIR/service-server.log"
    # A launcher file, not `python -c`: the prefork server starts its
    # websocket (gevent) process from sys.argv[0]. The service does not use
    # that process: the launcher keeps it idle, so that it neither needs
    # gevent nor is started again and again when gevent cannot load.
    cat >"$OUT_DIR/odoo_launcher.py" <<'LAUNCHER'
import sys
import time

if sys.argv[1:2] == ["gevent"]:
    while True:
        time.sleep(3600)
import odoo

odoo.cli.main()
LAUNCHER
    PYTHONPATH="${ODOO_SRC:+$ODOO_SRC:}${PYTHONPATH:-}" "$ODOO_PYTHON" "$OUT_DIR/odoo_launcher.py" \
        --addons-path="$ADDONS_PATH" -d "$OURS_DB" --db-filter="^$OURS_DB\$" --workers=2 --max-cron-threads=0 \
        --http-interface=127.0.0.1 --http-port="$port" --gevent-port="$(free_port)" "${DB_ARGS[@]}" \
        --data-dir="$STATE_DIR/filestore" --logfile="$OUT_DIR/service-server.log" &
    SERVICE_PID=$!
    for _ in $(seq 60); do
        "$ODOO_PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
        sleep 1
    done
    "$ODOO_PYTHON" "$REPO_DIR/scripts/bench/bench_service_load.py" "http://127.0.0.1:$port" "$state" \
        "$OUT_DIR/service-load.json" "${BENCH_SERVICE_SECONDS:-60}" "${BENCH_SERVICE_SHARED_SECONDS:-20}" \
        || die "the service load failed"
    stop_background "$SERVICE_PID"; SERVICE_PID=
    BENCH_STEP=check BENCH_STATE="$state" BENCH_LOAD_OUT="$OUT_DIR/service-load.json" \
        BENCH_OUT="$OUT_DIR/step-ours-service.json" odoo_run "$ADDONS_PATH" shell -d "$OURS_DB" --no-http \
        --max-cron-threads=0 --log-level=warn --logfile="$OUT_DIR/shell.log" <"$REPO_DIR/scripts/bench/bench_service.py" \
        || die "service check failed, see $OUT_DIR/shell.log"
}
service_passed() { grep -q '"failures": \[\]' "$OUT_DIR/step-ours-service.json"; }

# step FLAVOR STEP: scripts/bench/bench.py in `odoo shell` on that flavor's database.
step() {
    local flavor=$1 name=$2
    BENCH_FLAVOR=$flavor BENCH_STEP=$name BENCH_URL=$URL BENCH_OUT="$OUT_DIR/step-$flavor-$name.json" \
        odoo_run "$(path_of "$flavor")" shell -d "$(db_of "$flavor")" --no-http --max-cron-threads=0 \
        --log-level=warn --logfile="$OUT_DIR/shell.log" <"$REPO_DIR/scripts/bench/bench.py" \
        || die "bench step $flavor $name failed, see $OUT_DIR/shell.log"
}

load_directory() {
    step ours load
    # What autovacuum does after a bulk load, done now so that runs are comparable.
    pg_psql -d "$OURS_DB" -qc "VACUUM (ANALYZE) crm_iap_lead_directory_company" \
        -c "VACUUM (ANALYZE) crm_iap_lead_directory_contact" -c "VACUUM (ANALYZE) crm_lead"
}
case "${BENCH_ONLY:-}" in
    reveal_ids) step ours setup; step ours reveal_ids; exit 0 ;;
    directory) step ours setup; load_directory; step ours directory; step ours directory_2000; exit 0 ;;
    lookalike) step ours setup; load_directory; step ours lookalike; exit 0 ;;
    service) step ours setup; load_directory; service_load; service_passed; exit ;;
    registers) source "$REPO_DIR/scripts/bench/bench_registers.sh"; register_imports; exit 0 ;;
    registers_be) source "$REPO_DIR/scripts/bench/bench_registers.sh"; register_imports_be; exit 0 ;;
    registers_ee) source "$REPO_DIR/scripts/bench/bench_registers.sh"; register_imports_ee; exit 0 ;;
    registers_dk) source "$REPO_DIR/scripts/bench/bench_registers.sh"; register_imports_dk; exit 0 ;;
    matching)
        step ours matching_load
        pg_psql -d "$OURS_DB" -qc "VACUUM (ANALYZE) crm_iap_lead_directory_company"
        step ours matching; exit 0 ;;
    '') ;;
    *) die "BENCH_ONLY: reveal_ids, directory, lookalike, service, registers, registers_be, registers_ee, registers_dk or matching" ;;
esac
echo "== Setup: manager, salesperson, team and its follower, tags, endpoints -> $URL"
step stock setup
step ours setup
echo "== Scenarios 1 and 2 (IAP): stock, then ours"
for scenario in companies people; do
    step stock $scenario
    step ours $scenario
done
echo "== Scenario 3 (ours): company directory of ${BENCH_DIRECTORY_SIZE:-1000000} companies, COPY loader"
load_directory
step ours directory
step ours directory_2000
step ours lookalike
echo "== Scenario 4 (ours, D&B): reveal_ids of 100,000 known leads"
step ours reveal_ids
echo "== Scenario 5 (ours): the lead-mining service, ${BENCH_SERVICE_CLIENTS:-8} concurrent clients"
service_load

BENCH_SECONDS=$(( $(date +%s) - started )) "$ODOO_PYTHON" "$REPO_DIR/scripts/bench/bench_report.py" "$OUT_DIR"
service_passed || die "the service scenario failed (see above)"
