#!/usr/bin/env bash
# `make test`: installs the addon in a fresh database with --test-enable, runs
# all of its tests (at_install and post_install, browser tours included),
# drops the database and prints "N passed, N failed" from Odoo's own log.
# Extra arguments go to Odoo (e.g. --test-tags=/crm_iap_mine:TestLeadMining).
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"

MODULES=${TEST_MODULES:-crm_iap_mine}
TAGS=${TEST_TAGS:-/crm_iap_mine}
find_odoo
# The browser tours need Chromium and websocket-client: without them they are
# left out, and said so; CI (CI=true) must run them.
TOURS_SKIPPED=
if ! find_chromium >/dev/null; then
    TOURS_SKIPPED="Chromium not found (Debian/Ubuntu: apt-get install chromium)"
elif ! "$ODOO_PYTHON" -c 'import websocket' 2>/dev/null; then
    TOURS_SKIPPED="websocket-client not installed for $ODOO_PYTHON (pip install websocket-client)"
fi
if [ -n "$TOURS_SKIPPED" ]; then
    if [ "${CI:-}" = true ]; then
        cleanup_links
        die "$TOURS_SKIPPED: CI runs the browser tours and needs it."
    fi
    echo "SKIPPING the browser tours: $TOURS_SKIPPED."
    TAGS="$TAGS,-lead_mining_tours"
fi
pg_up
DB="crm_iap_mine_test_$$"
LOG="$STATE_DIR/test.log"
finish() {
    odoo_db drop "$DB" >/dev/null 2>&1 || \
        pg_psql -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true
    pg_down; cleanup_links
}
trap finish EXIT

echo "Testing $MODULES on Odoo $ODOO_ROOT (database $DB, log $LOG)"
set +e
odoo_run "$ADDONS_PATH" -d "$DB" -i "$MODULES" --test-enable --test-tags="$TAGS" \
    --stop-after-init --http-interface=127.0.0.1 --http-port="$(free_port)" \
    --max-cron-threads=0 --log-level=info --logfile= "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

[ -z "$TOURS_SKIPPED" ] || echo "The browser tours were SKIPPED: $TOURS_SKIPPED."
"$ODOO_PYTHON" "$REPO_DIR/scripts/odoo/test_summary.py" "$LOG" "$rc" $MODULES
