#!/usr/bin/env bash
# `make screenshots`: drives the demo database in headless Chromium and saves
# the pictures of static/description/ (dialog, chatter note, settings, credit
# graph). Not part of CI: it rewrites committed files.
set -euo pipefail
source "$(dirname "$0")/../odoo/odoo_env.sh"

DEMO_PREPARE_ONLY=1 "$REPO_DIR/scripts/demo/demo.sh"
find_odoo
pg_up
PORT=$(free_port)
# -u: the pictures show this checkout's views, whatever the database was made with.
odoo_run "$ADDONS_PATH" -d "${DEMO_DB:-crm_iap_mine_demo}" -u crm_iap_mine --http-interface=127.0.0.1 --http-port="$PORT" \
    --log-level=warn --max-cron-threads=0 > "$STATE_DIR/screenshots-odoo.log" 2>&1 &
ODOO_PID=$!
stop_all() {
    stop_background "$ODOO_PID"
    pg_down; cleanup_links
}
trap stop_all EXIT
"$ODOO_PYTHON" "$REPO_DIR/scripts/demo/screenshots.py" "http://127.0.0.1:$PORT" "${DEMO_DB:-crm_iap_mine_demo}" \
    "$REPO_DIR/static/description"
