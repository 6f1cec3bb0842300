#!/usr/bin/env bash
# Imports a public register file into the company directory of a database,
# from the command line (for the national files, too big to upload):
#
#   scripts/import_register.sh DATABASE REGISTER FILE
#   e.g. scripts/import_register.sh crm_iap_mine_demo gb_companies_house BasicCompanyDataAsOneFile-2026-02-01.zip
#
# Runs scripts/import_register.py in `odoo shell`: the same importer as
# CRM > Configuration > Lead Generation > Import a Register, with the rows
# read shown on the terminal and the report at the end.
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"

[ $# -eq 3 ] || die "usage: $0 DATABASE REGISTER FILE"
DB=$1
REGISTER_FILE=$(realpath "$3")
[ -f "$REGISTER_FILE" ] && [ -r "$REGISTER_FILE" ] || die "$3 is not a readable file"
find_odoo
pg_up
trap 'pg_down; cleanup_links' EXIT
REGISTER_CODE=$2 REGISTER_FILE=$REGISTER_FILE \
    odoo_run "$ADDONS_PATH" shell -d "$DB" --no-http --max-cron-threads=0 --log-level=warn \
    < "$REPO_DIR/scripts/import_register.py"
