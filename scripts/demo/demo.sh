#!/usr/bin/env bash
# `make demo`: a database with this addon and its demo data, served on
# 127.0.0.1. A second run reuses the database. Ctrl-C stops Odoo and the
# private PostgreSQL cluster started for it.
set -euo pipefail
source "$(dirname "$0")/../odoo/odoo_env.sh"

DB=${DEMO_DB:-crm_iap_mine_demo}
PORT=${DEMO_PORT:-8069}
find_odoo
pg_up
trap 'pg_down; cleanup_links' EXIT

if ! pg_psql -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    echo "Creating database $DB with crm_iap_mine and demo data (a few minutes)..."
    odoo_run "$ADDONS_PATH" -d "$DB" -i crm_iap_mine --stop-after-init \
        --http-interface=127.0.0.1 --http-port="$(free_port)" --max-cron-threads=0 \
        --log-level=warn --logfile="$STATE_DIR/demo-install.log" \
        || die "installation failed, see $STATE_DIR/demo-install.log"
    echo "Loading the sample company directory (about a minute)..."
    odoo_run "$ADDONS_PATH" shell -d "$DB" --no-http --log-level=warn \
        < "$REPO_DIR/scripts/demo/load_sample_directory.py" \
        || die "loading the sample directory failed"
fi

# `make screenshots` only needs the database.
[ -n "${DEMO_PREPARE_ONLY:-}" ] && exit 0

cat <<MSG

  Odoo is starting on  http://127.0.0.1:$PORT/web/login?db=$DB
  login: admin    password: admin
  CRM > Sales > My Pipeline > Generate Leads: it mines the fictitious company
  directory offline (CRM > Configuration > Lead Generation).
  Ctrl-C stops Odoo and the database.

MSG
odoo_run "$ADDONS_PATH" -d "$DB" --db-filter="^$DB\$" --http-interface=127.0.0.1 \
    --http-port="$PORT" --log-level=warn
