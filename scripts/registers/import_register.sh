#!/usr/bin/env bash
# Imports a public register file into the company directory of a database,
# from the command line (for the national files, too big to upload):
#
#   scripts/registers/import_register.sh DATABASE REGISTER FILE [SECOND_FILE]
#   e.g. scripts/registers/import_register.sh crm_iap_mine_demo gb_companies_house BasicCompanyDataAsOneFile-2026-02-01.zip
#        scripts/registers/import_register.sh crm_iap_mine_demo fr_sirene StockEtablissement_utf8.zip StockUniteLegale_utf8.zip
# (France's SIRENE comes as two files, in either order.)
#
# Runs scripts/registers/import_register.py in `odoo shell`: the same importer as
# CRM > Configuration > Lead Generation > Import a Register, with the rows
# read shown on the terminal and the report at the end.
set -euo pipefail
source "$(dirname "$0")/../odoo/odoo_env.sh"

[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: $0 DATABASE REGISTER FILE [SECOND_FILE]"
DB=$1
REGISTER_FILE=$(realpath "$3")
[ -f "$REGISTER_FILE" ] && [ -r "$REGISTER_FILE" ] || die "$3 is not a readable file"
REGISTER_SECOND_FILE=
if [ $# -eq 4 ]; then
    REGISTER_SECOND_FILE=$(realpath "$4")
    [ -f "$REGISTER_SECOND_FILE" ] && [ -r "$REGISTER_SECOND_FILE" ] || die "$4 is not a readable file"
fi
find_odoo
pg_up
trap 'pg_down; cleanup_links' EXIT
REGISTER_CODE=$2 REGISTER_FILE=$REGISTER_FILE REGISTER_SECOND_FILE=$REGISTER_SECOND_FILE \
    REGISTER_SCOPE=${REGISTER_SCOPE:-complete} \
    odoo_run "$ADDONS_PATH" shell -d "$DB" --no-http --max-cron-threads=0 --log-level=warn \
    < "$REPO_DIR/scripts/registers/import_register.py"
