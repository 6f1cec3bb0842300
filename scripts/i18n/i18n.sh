#!/usr/bin/env bash
# `make i18n`: installs the addon (without demo data) in a scratch database,
# exports i18n/crm_iap_mine.pot with Odoo's own exporter, merges it into the
# .po files of the 43 languages (existing translations kept, new terms left empty for a
# translator, vanished ones dropped), drops the database. Idempotent: when no
# term changed, the files stay byte for byte as they were.
set -euo pipefail
source "$(dirname "$0")/../odoo/odoo_env.sh"

# Every language of scripts/i18n/i18n_merge.py unless I18N_LANGS names some.
LANGS=${I18N_LANGS:-}
find_odoo
pg_up
DB="crm_iap_mine_i18n_$$"
LOG="$STATE_DIR/i18n.log"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm_iap_mine_i18n.XXXXXX")
finish() {
    odoo_db drop "$DB" >/dev/null 2>&1 || \
        pg_psql -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true
    rm -rf "$WORK"
    pg_down; cleanup_links
}
trap finish EXIT

# Odoo's exporter collects the _() terms of every folder named crm_iap_mine in
# the addons path, the stock module's included: give it a copy of the core
# addons folder (symbolic links) without the stock crm_iap_mine.
CORE_VIEW="$WORK/core_addons"
mkdir -p "$CORE_VIEW"
for addon in "$STOCK_ADDONS_PATH"/*/; do
    addon=${addon%/}
    [ "$(basename "$addon")" = crm_iap_mine ] || ln -s "$addon" "$CORE_VIEW/"
done
I18N_ADDONS_PATH="$LINK_DIR,$CORE_VIEW"

echo "Installing crm_iap_mine in $DB (log $LOG)"
: >"$LOG"
odoo_run "$I18N_ADDONS_PATH" -d "$DB" -i crm_iap_mine --without-demo=all --stop-after-init \
    --http-interface=127.0.0.1 --http-port="$(free_port)" --max-cron-threads=0 \
    --log-level=warn --logfile="$LOG" \
    || die "installation failed, see $LOG"
echo "Exporting the template"
odoo_run "$I18N_ADDONS_PATH" -d "$DB" --i18n-export="$WORK/crm_iap_mine.pot" \
    --modules=crm_iap_mine --stop-after-init --log-level=warn --logfile="$LOG" \
    || die "export failed, see $LOG"
[ -s "$WORK/crm_iap_mine.pot" ] || die "the exporter wrote no template, see $LOG"

mkdir -p "$REPO_DIR/i18n"
# shellcheck disable=SC2086
"$ODOO_PYTHON" "$REPO_DIR/scripts/i18n/i18n_merge.py" "$WORK/crm_iap_mine.pot" "$REPO_DIR/i18n" $LANGS
