#!/usr/bin/env bash
# `make compat`: this addon in place of Odoo's stock crm_iap_mine, on fresh
# databases that are dropped afterwards:
#  1. website_crm_iap_reveal (which depends on crm_iap_mine) installed on this
#     addon, with its own tests;
#  2. a database that ran the stock module, with requests and mined leads,
#     upgraded in place (-u crm_iap_mine) to this addon, then checked;
#  3. a database with the stock module, and one with this addon, mining leads
#     over HTTP from a server running this addon's lead-mining service;
#  4. the import Odoo's own test_crm_full makes of this addon's test helpers;
#  5. a database of this addon at 17.0.2.0.0 (exported from this clone's
#     history), with register imports, requests in every state, a plain
#     SHA-256 erasure trace and historical indexes, upgraded in place, checked,
#     then upgraded again with the migration run anew: nothing may change.
# Prints one PASS/FAIL line per check and a last line "N passed, N failed"
# (website tests counted from Odoo's result line); exits 1 on any failure.
set -euo pipefail
source "$(dirname "$0")/../odoo/odoo_env.sh"

find_odoo
pg_up
WEB_DB="crm_iap_mine_compat_web_$$"
STOCK_DB="crm_iap_mine_compat_stock_$$"
SERVICE_DB="crm_iap_mine_compat_service_$$"
MEMBER_DB="crm_iap_mine_compat_member_$$"
OURS_MEMBER_DB="crm_iap_mine_compat_ours_member_$$"
V2_DB="crm_iap_mine_compat_v2_$$"
# The last commit of version 17.0.2.0.0, and where it is exported as crm_iap_mine.
V2_COMMIT=d4d66c6
V2_DIR=$(mktemp -d "${TMPDIR:-/tmp}/crm_iap_mine_v2.XXXXXX")
SERVICE_PID=
STATE="$STATE_DIR/compat_state_$$.json"
LOG_PREFIX="$STATE_DIR/compat"
# Odoo appends to its log file: start every log of this run empty.
for log in website stock stock-setup upgrade check-website check-upgrade service service-server member \
        check-member check-ours-member v2 v2-setup v2-upgrade v2-upgrade-again check-v2-upgrade \
        check-v2-upgrade-again; do
    : >"$LOG_PREFIX-$log.log"
done
drop_db() {
    odoo_db drop "$1" >/dev/null 2>&1 || \
        pg_psql -d postgres -qc "DROP DATABASE IF EXISTS \"$1\"" >/dev/null 2>&1 || true
}
finish() {
    stop_background "$SERVICE_PID"
    drop_db "$WEB_DB"; drop_db "$STOCK_DB"; drop_db "$SERVICE_DB"; drop_db "$MEMBER_DB"; drop_db "$OURS_MEMBER_DB"
    drop_db "$V2_DB"
    rm -rf "$STATE" "$V2_DIR"
    pg_down; cleanup_links
}
trap finish EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# Odoo server options for one-shot runs (install, upgrade, tests).
oneshot=(--stop-after-init --http-interface=127.0.0.1 --max-cron-threads=0 --log-level=info)

# Runs scripts/compat/compat_check.py in `odoo shell` on database $1 and counts its
# PASS/FAIL lines; a crash or a missing end marker is one more failure.
# $3/$4 (optional): the addons path and the script (default: this addon, compat_check.py).
run_checks() {
    local db=$1 mode=$2 addons=${3:-$ADDONS_PATH} script=${4:-$REPO_DIR/scripts/compat/compat_check.py} out rc
    set +e
    out=$(COMPAT_MODE="$mode" COMPAT_STATE="$STATE" COMPAT_ADDON_DIR="$ADDON_DIR" \
        odoo_run "$addons" shell -d "$db" --no-http --log-level=warn \
        --logfile="$LOG_PREFIX-check-$mode.log" <"$script" 2>&1)
    rc=$?
    set -e
    grep -E '^(PASS|FAIL|    )' <<<"$out" || true
    passed=$((passed + $(grep -c '^PASS ' <<<"$out" || true)))
    failed=$((failed + $(grep -c '^FAIL ' <<<"$out" || true)))
    if [ "$rc" != 0 ] || ! grep -q '^compat checks done$' <<<"$out"; then
        fail "$mode checks did not finish (exit $rc, see $LOG_PREFIX-check-$mode.log):"
        tail -n 15 <<<"$out" | sed 's/^/    /'
    fi
}

# One check: the server log $2 holds no line at WARNING level or above.
check_log_clean() {
    local problems
    problems=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$2" || true)
    if [ -z "$problems" ]; then
        pass "$1 logged no WARNING or ERROR"
    else
        fail "$1 logged a WARNING or ERROR:"
        sed 's/^/    /' <<<"$problems"
    fi
}

echo "== 1. website_crm_iap_reveal on this crm_iap_mine (database $WEB_DB, log $LOG_PREFIX-website.log)"
set +e
odoo_run "$ADDONS_PATH" -d "$WEB_DB" -i website_crm_iap_reveal --test-enable \
    --test-tags=/website_crm_iap_reveal --http-port="$(free_port)" "${oneshot[@]}" \
    --logfile="$LOG_PREFIX-website.log"
rc=$?
summary=$("$ODOO_PYTHON" "$REPO_DIR/scripts/odoo/test_summary.py" "$LOG_PREFIX-website.log" "$rc" \
    website_crm_iap_reveal crm_iap_mine)
summary_rc=$?
set -e
counts=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' <<<"$summary")
read -r web_passed web_failed <<<"${counts:-0 0}"
echo "website_crm_iap_reveal tests: $(tail -n 1 <<<"$summary")"
passed=$((passed + web_passed))
failed=$((failed + web_failed))
if [ "$summary_rc" != 0 ] && [ "$web_failed" = 0 ]; then
    fail "website_crm_iap_reveal test run (Odoo exit $rc):"
    sed '$d' <<<"$summary" | sed 's/^/    /'
fi
if [ "$rc" = 0 ]; then
    run_checks "$WEB_DB" website
fi
drop_db "$WEB_DB"

echo "== 2. upgrade from the stock crm_iap_mine (database $STOCK_DB, logs $LOG_PREFIX-stock*.log, $LOG_PREFIX-upgrade.log)"
upgrade_ok=0
if ! odoo_run "$STOCK_ADDONS_PATH" -d "$STOCK_DB" -i crm_iap_mine --without-demo=all \
        --http-port="$(free_port)" "${oneshot[@]}" --logfile="$LOG_PREFIX-stock.log"; then
    fail "stock crm_iap_mine install (see $LOG_PREFIX-stock.log)"
elif ! COMPAT_STATE="$STATE" odoo_run "$STOCK_ADDONS_PATH" shell -d "$STOCK_DB" --no-http \
        --log-level=warn --logfile="$LOG_PREFIX-stock-setup.log" \
        <"$REPO_DIR/scripts/compat/compat_stock_setup.py"; then
    fail "requests and leads on the stock module (see $LOG_PREFIX-stock-setup.log)"
elif ! odoo_run "$ADDONS_PATH" -d "$STOCK_DB" -u crm_iap_mine --http-port="$(free_port)" \
        "${oneshot[@]}" --logfile="$LOG_PREFIX-upgrade.log"; then
    fail "upgrade -u crm_iap_mine (see $LOG_PREFIX-upgrade.log)"
else
    pass "upgrade -u crm_iap_mine"
    upgrade_ok=1
fi
if [ "$upgrade_ok" = 1 ]; then
    check_log_clean upgrade "$LOG_PREFIX-upgrade.log"
    run_checks "$STOCK_DB" upgrade
fi

drop_db "$STOCK_DB"

echo "== 3. the stock crm_iap_mine and this one mining from this addon's service" \
    "(databases $SERVICE_DB, $MEMBER_DB, $OURS_MEMBER_DB)"
service_port=$(free_port)
if ! odoo_run "$ADDONS_PATH" -d "$SERVICE_DB" -i crm_iap_mine --without-demo=all \
        --http-port="$(free_port)" "${oneshot[@]}" --logfile="$LOG_PREFIX-service.log"; then
    fail "service database install (see $LOG_PREFIX-service.log)"
# Our member database: a copy of the freshly installed one (a new database.uuid), quicker than an install.
elif ! odoo_db duplicate "$SERVICE_DB" "$OURS_MEMBER_DB" >>"$LOG_PREFIX-service.log" 2>&1; then
    fail "copy of the service database for our member database (see $LOG_PREFIX-service.log)"
elif ! COMPAT_STATE="$STATE" odoo_run "$ADDONS_PATH" shell -d "$SERVICE_DB" --no-http --log-level=warn \
        --logfile="$LOG_PREFIX-service.log" <"$REPO_DIR/scripts/compat/compat_service_setup.py" >/dev/null; then
    fail "service setup (see $LOG_PREFIX-service.log)"
elif ! odoo_run "$STOCK_ADDONS_PATH" -d "$MEMBER_DB" -i crm_iap_mine --without-demo=all \
        --http-port="$(free_port)" "${oneshot[@]}" --logfile="$LOG_PREFIX-member.log"; then
    fail "stock crm_iap_mine install on the member database (see $LOG_PREFIX-member.log)"
else
    # The service database is the only one this server serves (--db-filter).
    odoo_run "$ADDONS_PATH" -d "$SERVICE_DB" --db-filter="^$SERVICE_DB\$" --http-interface=127.0.0.1 \
        --http-port="$service_port" --max-cron-threads=0 --logfile="$LOG_PREFIX-service-server.log" &
    SERVICE_PID=$!
    for _ in $(seq 60); do
        "$ODOO_PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $service_port), 1)" \
            2>/dev/null && break
        sleep 1
    done
    export COMPAT_SERVICE_URL="http://127.0.0.1:$service_port"
    run_checks "$MEMBER_DB" member "$STOCK_ADDONS_PATH" "$REPO_DIR/scripts/compat/compat_service_mine.py"
    run_checks "$OURS_MEMBER_DB" ours-member "$ADDONS_PATH" "$REPO_DIR/scripts/compat/compat_service_mine_ours.py"
    stop_background "$SERVICE_PID"; SERVICE_PID=
fi

echo "== 4. Odoo's test_crm_full imports MockIAPReveal from this addon's tests"
# test_crm_full does `from odoo.addons.crm_iap_mine.tests.common import
# MockIAPReveal`: through Odoo's own set-up of odoo.addons from the addons
# path, it must find this checkout's helper, not the stock module's.
set +e
out=$(PYTHONPATH="${ODOO_SRC:+$ODOO_SRC:}${PYTHONPATH:-}" "$ODOO_PYTHON" -c '
import os
import sys

import odoo

odoo.tools.config.parse_config(["--addons-path=" + sys.argv[1], "--data-dir=" + sys.argv[2]])
odoo.modules.module.initialize_sys_path()
from odoo.addons.crm_iap_mine.tests.common import MockIAPReveal  # noqa: E402
print("LOADED", os.path.dirname(sys.modules[MockIAPReveal.__module__].__file__))
' "$ADDONS_PATH" "$STATE_DIR/filestore" 2>&1)
rc=$?
set -e
loaded=$(sed -n 's/^LOADED //p' <<<"$out")
check="from odoo.addons.crm_iap_mine.tests.common import MockIAPReveal, with this addon first in the addons path"
if [ "$rc" = 0 ] && [ -n "$loaded" ] && [ "$(realpath "$loaded")" = "$(realpath "$ADDON_DIR/tests")" ]; then
    pass "$check"
else
    fail "$check (exit $rc, loaded from '${loaded}'):"
    tail -n 15 <<<"$out" | sed 's/^/    /'
fi

echo "== 5. upgrade from this addon's 17.0.2.0.0, commit $V2_COMMIT (database $V2_DB, logs $LOG_PREFIX-v2*.log)"
V2_ADDONS_PATH="$V2_DIR,$STOCK_ADDONS_PATH"
if ! git -C "$REPO_DIR" cat-file -e "$V2_COMMIT^{commit}" 2>/dev/null; then
    fail "upgrade from 17.0.2.0.0: its commit $V2_COMMIT is not in the git history of $REPO_DIR" \
        "(a shallow clone? git fetch --unshallow)"
elif ! { mkdir "$V2_DIR/crm_iap_mine" \
        && git -C "$REPO_DIR" archive "$V2_COMMIT" | tar -x -C "$V2_DIR/crm_iap_mine"; }; then
    fail "export of commit $V2_COMMIT to $V2_DIR/crm_iap_mine"
elif ! odoo_run "$V2_ADDONS_PATH" -d "$V2_DB" -i crm_iap_mine --without-demo=all --http-port="$(free_port)" \
        "${oneshot[@]}" --logfile="$LOG_PREFIX-v2.log"; then
    fail "crm_iap_mine 17.0.2.0.0 install (see $LOG_PREFIX-v2.log)"
elif ! COMPAT_STATE="$STATE" odoo_run "$V2_ADDONS_PATH" shell -d "$V2_DB" --no-http --log-level=warn \
        --logfile="$LOG_PREFIX-v2-setup.log" <"$REPO_DIR/scripts/compat/compat_v2_setup.py"; then
    fail "register imports, requests, erasure trace and indexes on 17.0.2.0.0 (see $LOG_PREFIX-v2-setup.log)"
elif ! odoo_run "$ADDONS_PATH" -d "$V2_DB" -u crm_iap_mine --http-port="$(free_port)" "${oneshot[@]}" \
        --logfile="$LOG_PREFIX-v2-upgrade.log"; then
    fail "upgrade -u crm_iap_mine from 17.0.2.0.0 (see $LOG_PREFIX-v2-upgrade.log)"
else
    pass "upgrade -u crm_iap_mine from 17.0.2.0.0"
    check_log_clean "upgrade from 17.0.2.0.0" "$LOG_PREFIX-v2-upgrade.log"
    run_checks "$V2_DB" v2-upgrade
    # Idempotent: upgraded again, as from 17.0.2.0.0, on what the first upgrade left.
    if ! pg_psql -d "$V2_DB" -qc "UPDATE ir_module_module SET latest_version = '17.0.2.0.0'
                                   WHERE name = 'crm_iap_mine'" \
            || ! odoo_run "$ADDONS_PATH" -d "$V2_DB" -u crm_iap_mine --http-port="$(free_port)" "${oneshot[@]}" \
            --logfile="$LOG_PREFIX-v2-upgrade-again.log"; then
        fail "second upgrade -u crm_iap_mine (see $LOG_PREFIX-v2-upgrade-again.log)"
    # Both migrations of 17.0.3.0.0 (pre and post) ran again.
    elif [ "$(grep -cE 'crm_iap_mine: Running migration \[>?17\.0\.3\.0\.0>?\]' \
            "$LOG_PREFIX-v2-upgrade-again.log")" != 2 ]; then
        fail "the second upgrade did not run the 17.0.3.0.0 migration again (see $LOG_PREFIX-v2-upgrade-again.log)"
    else
        pass "second upgrade -u crm_iap_mine, the 17.0.3.0.0 migration run again"
        run_checks "$V2_DB" v2-upgrade-again
    fi
fi
drop_db "$V2_DB"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
