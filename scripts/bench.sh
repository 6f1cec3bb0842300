#!/usr/bin/env bash
# `make bench`: the stock crm_iap_mine and this addon side by side, on two
# fresh databases without demo data, against the loopback lead-mining
# service (tests/lead_mining_server.py). Every scenario runs in its own
# `odoo shell` process (scripts/bench.py): a warm-up, then the median of 3
# runs, each rolled back. Prints one table (scripts/bench_report.py) and
# writes it to .local/bench/bench.json. Takes about 10 minutes.
#
# Environment: BENCH_RUNS (timed runs, default 3), BENCH_KEEP=1 (keep the
# databases; a later run with the same BENCH_STOCK_DB / BENCH_OURS_DB reuses
# them and the loaded directory), BENCH_DIRECTORY_SIZE (default 1000000),
# BENCH_ONLY=reveal_ids (only the D&B reveal_ids step, on our database),
# BENCH_ONLY=registers (only the register imports, on our database; see
# scripts/bench_registers.sh).
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"

find_odoo
pg_up
OUT_DIR="$STATE_DIR/bench"
mkdir -p "$OUT_DIR"
STOCK_DB=${BENCH_STOCK_DB:-crm_iap_mine_bench_stock_$$}
OURS_DB=${BENCH_OURS_DB:-crm_iap_mine_bench_ours_$$}
SERVER_PID=
db_exists() { pg_psql -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; }
drop_db() {
    odoo_run "$ADDONS_PATH" db drop "$1" >/dev/null 2>&1 || \
        pg_psql -d postgres -qc "DROP DATABASE IF EXISTS \"$1\"" >/dev/null 2>&1 || true
}
finish() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
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

# BENCH_ONLY=reveal_ids: only that step, on our database (about a minute).
FLAVORS="stock ours"
[ "${BENCH_ONLY:-}" = reveal_ids ] && FLAVORS=ours
[ "${BENCH_ONLY:-}" = registers ] && FLAVORS=ours
echo "== Installing crm_iap_mine: $FLAVORS (no demo data)"
for flavor in $FLAVORS; do
    db=$(db_of $flavor)
    db_exists "$db" && continue
    odoo_run "$(path_of $flavor)" -d "$db" -i crm_iap_mine --without-demo=all --stop-after-init --no-http \
        --max-cron-threads=0 --log-level=warn --logfile="$OUT_DIR/install-$flavor.log" &
done
wait_all() { local rc=0; for job in $(jobs -p); do [ "$job" = "$SERVER_PID" ] || wait "$job" || rc=1; done; return $rc; }
wait_all || die "installation failed, see $OUT_DIR/install-*.log"

# step FLAVOR STEP: scripts/bench.py in `odoo shell` on that flavor's database.
step() {
    local flavor=$1 name=$2
    BENCH_FLAVOR=$flavor BENCH_STEP=$name BENCH_URL=$URL BENCH_OUT="$OUT_DIR/step-$flavor-$name.json" \
        odoo_run "$(path_of "$flavor")" shell -d "$(db_of "$flavor")" --no-http --max-cron-threads=0 \
        --log-level=warn --logfile="$OUT_DIR/shell.log" <"$REPO_DIR/scripts/bench.py" \
        || die "bench step $flavor $name failed, see $OUT_DIR/shell.log"
}

if [ "${BENCH_ONLY:-}" = registers ]; then
    source "$REPO_DIR/scripts/bench_registers.sh"
    register_imports
    exit 0
fi
if [ "${BENCH_ONLY:-}" = reveal_ids ]; then
    step ours setup
    step ours reveal_ids
    exit 0
fi
echo "== Setup: manager, salesperson, team and its follower, tags, endpoints -> $URL"
step stock setup
step ours setup
echo "== Scenarios 1 and 2 (IAP): stock, then ours"
for scenario in companies people; do
    step stock $scenario
    step ours $scenario
done
echo "== Scenario 3 (ours): company directory of ${BENCH_DIRECTORY_SIZE:-1000000} companies, COPY loader"
step ours load
# What autovacuum does after a bulk load, done now so that runs are comparable.
pg_psql -d "$OURS_DB" -qc "VACUUM (ANALYZE) crm_iap_lead_directory_company" \
    -c "VACUUM (ANALYZE) crm_iap_lead_directory_contact" -c "VACUUM (ANALYZE) crm_lead"
step ours directory
step ours directory_2000
echo "== Scenario 4 (ours, D&B): reveal_ids of 100,000 known leads"
step ours reveal_ids

BENCH_SECONDS=$(( $(date +%s) - started )) "$ODOO_PYTHON" "$REPO_DIR/scripts/bench_report.py" "$OUT_DIR"
