# shellcheck shell=bash
# Sourced by every script of this checkout: finds Odoo 17.0 (setting it up in
# .local/ when the machine has none, see scripts/odoo/bootstrap_odoo.sh), exposes
# this checkout to it as the addon `crm_iap_mine` (ahead of Odoo's own addons)
# and gives the PostgreSQL connection, starting a private cluster when needed.
#
# Inputs (environment): ODOO_PYTHON (default python3), ODOO_SRC (an Odoo
# checkout, optional), ODOO_GIT_URL/ODOO_REF/ODOO_BOOTSTRAP_DIR (the set-up,
# see scripts/odoo/bootstrap_odoo.sh), PGHOST/PGPORT/PGUSER (use that server
# instead of a private cluster).
# Outputs: REPO_DIR, ODOO_PYTHON, ODOO_ROOT, ADDONS_PATH, ADDON_DIR (the
# folder Odoo loads crm_iap_mine from), DB_ARGS (array),
# and the functions odoo_run, pg_up, pg_down, pg_psql.

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ODOO_PYTHON=${ODOO_PYTHON:-python3}
STATE_DIR="$REPO_DIR/.local"          # git-ignored: cluster, filestore, logs
mkdir -p "$STATE_DIR"
BOOTSTRAP_DIR=${ODOO_BOOTSTRAP_DIR:-$STATE_DIR}   # Odoo set up by bootstrap_odoo.sh

die() { echo "error: $*" >&2; exit 1; }

# --- Odoo ------------------------------------------------------------------
# Prints the folder holding the odoo package, then the package's folder.
probe_odoo() {
    PYTHONPATH="${ODOO_SRC:+$ODOO_SRC:}${PYTHONPATH:-}" "$ODOO_PYTHON" - <<'PY' 2>/dev/null
import os
import odoo.release
import odoo
assert odoo.release.version_info[:2] == (17, 0), odoo.release.version
package_dir = os.path.dirname(os.path.abspath(odoo.__file__))
print(os.path.dirname(package_dir))
print(package_dir)
PY
}

find_odoo() {
    local out
    if ! out=$(probe_odoo); then
        [ -z "${ODOO_SRC:-}" ] \
            || die "Odoo 17.0 not found in ODOO_SRC=$ODOO_SRC: point it to an Odoo 17.0 checkout, or unset it to have Odoo set up in $BOOTSTRAP_DIR."
        [ -f "$BOOTSTRAP_DIR/venv/.complete" ] \
            || echo "Odoo 17.0 is not importable by $ODOO_PYTHON and ODOO_SRC is not set: setting it up in $BOOTSTRAP_DIR (first run only)."
        ODOO_BOOTSTRAP_DIR="$BOOTSTRAP_DIR" "$REPO_DIR/scripts/odoo/bootstrap_odoo.sh" "$ODOO_PYTHON" || exit 1
        ODOO_PYTHON="$BOOTSTRAP_DIR/venv/bin/python"
        out=$(probe_odoo) || die "Odoo 17.0 does not import with $ODOO_PYTHON: remove $BOOTSTRAP_DIR/venv and run the command again."
    fi
    ODOO_ROOT=$(sed -n 1p <<<"$out")
    local package_dir
    package_dir=$(sed -n 2p <<<"$out")
    # Packaged Odoo (deb/rpm/Docker) keeps core addons inside the odoo package,
    # which always wins over --addons-path: ours would be silently ignored.
    if [ -e "$package_dir/addons/crm_iap_mine" ]; then
        die "this Odoo keeps the stock crm_iap_mine inside its package ($package_dir/addons/crm_iap_mine), where it always wins over --addons-path. Replace that folder with this checkout (see README, 'Packaged Odoo')."
    fi
    CORE_ADDONS="$ODOO_ROOT/addons"
    [ -d "$CORE_ADDONS/crm" ] || CORE_ADDONS="$package_dir/addons"

    # Odoo finds a module by its folder name: expose the checkout as
    # crm_iap_mine, a folder of links to its entries. Hidden ones stay out:
    # .local/ holds the cluster and maybe a whole Odoo, and Odoo's translation
    # exporter reads every file under a module's folder as the module's own.
    LINK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/crm_iap_mine_addons.XXXXXX")
    ADDON_DIR="$LINK_DIR/crm_iap_mine"
    mkdir "$ADDON_DIR"
    ln -s "$REPO_DIR"/* "$ADDON_DIR/"
    ADDONS_PATH="$LINK_DIR,$CORE_ADDONS"
    STOCK_ADDONS_PATH="$CORE_ADDONS"
}

# Runs Odoo. --addons-path must be the very first argument: subcommands
# (shell, db, ...) build their addons path before reading the rest of the
# line, and the stock crm_iap_mine would win otherwise.
odoo_run() {
    local addons=$1; shift
    PYTHONPATH="${ODOO_SRC:+$ODOO_SRC:}${PYTHONPATH:-}" \
        "$ODOO_PYTHON" -c 'import odoo; odoo.cli.main()' --addons-path="$addons" "$@" \
        "${DB_ARGS[@]}" --data-dir="$STATE_DIR/filestore"
}

# `odoo db ...` (drop, duplicate): that subcommand reads its own options
# (server, data dir) before the action, not after it as `odoo_run` puts them.
odoo_db() {
    PYTHONPATH="${ODOO_SRC:+$ODOO_SRC:}${PYTHONPATH:-}" \
        "$ODOO_PYTHON" -c 'import odoo; odoo.cli.main()' db "${DB_ARGS[@]}" --data-dir="$STATE_DIR/filestore" "$@"
}

# Stops an Odoo started as `odoo_run ... &`: $! is the subshell running the
# function, and Odoo is its child, which killing the subshell leaves running.
stop_background() {
    [ -n "${1:-}" ] || return 0
    pkill -P "$1" 2>/dev/null
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null || true
}

# --- PostgreSQL --------------------------------------------------------------
PG_STARTED_HERE=0

pg_up() {
    if [ -n "${PGHOST:-}${PGPORT:-}" ]; then
        DB_ARGS=(--db_host="${PGHOST:-localhost}" --db_port="${PGPORT:-5432}")
        [ -n "${PGUSER:-}" ] && DB_ARGS+=(--db_user="$PGUSER")
        [ -n "${PGPASSWORD:-}" ] && DB_ARGS+=(--db_password="$PGPASSWORD")
        return
    fi
    if ! command -v initdb >/dev/null; then
        # Debian/Ubuntu keep the server programs out of PATH.
        local bin
        bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
        [ -n "$bin" ] && [ -x "$bin/initdb" ] && PATH="$bin:$PATH"
    fi
    command -v initdb >/dev/null && command -v pg_ctl >/dev/null && command -v psql >/dev/null \
        || die "PostgreSQL not found (initdb, pg_ctl, psql): install it (Debian/Ubuntu: apt-get install postgresql) or set PGHOST/PGPORT to a server."
    PG_DIR="$STATE_DIR/pg"
    local as=()
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root.
        as=(runuser -u postgres --)
        if ! runuser -u postgres -- test -x "$STATE_DIR"; then
            PG_DIR="${TMPDIR:-/tmp}/crm_iap_mine_pg_$(echo "$REPO_DIR" | md5sum | cut -c1-8)"
        fi
        mkdir -p "$PG_DIR" && chown postgres "$PG_DIR"
    fi
    PG_AS=("${as[@]}")
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        "${as[@]}" initdb -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
            || die "initdb failed, see $PG_DIR/initdb.log"
    fi
    if ! "${as[@]}" pg_ctl -D "$PG_DIR/data" status >/dev/null 2>&1; then
        # Unix socket only: nothing listens on the network.
        "${as[@]}" pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-k $PG_DIR -c listen_addresses='' -c fsync=off -c full_page_writes=off -c shared_buffers=${PG_SHARED_BUFFERS:-128MB}" start >/dev/null \
            || die "PostgreSQL did not start, see $PG_DIR/server.log"
        PG_STARTED_HERE=1
    fi
    psql -h "$PG_DIR" -U postgres -d postgres -qtAc \
        "SELECT 1 FROM pg_roles WHERE rolname='odoo'" | grep -q 1 \
        || psql -h "$PG_DIR" -U postgres -d postgres -qc "CREATE ROLE odoo SUPERUSER LOGIN" >/dev/null
    # Odoo refuses the 'postgres' role; it connects as 'odoo' through the socket.
    export PGHOST_PRIVATE="$PG_DIR"
    DB_ARGS=(--db_host="$PG_DIR" --db_user=odoo)
}

pg_down() {
    if [ "$PG_STARTED_HERE" = 1 ]; then
        "${PG_AS[@]}" pg_ctl -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
        PG_STARTED_HERE=0
    fi
}

# psql on the database server in use, as the role Odoo uses.
pg_psql() {
    if [ -n "${PGHOST_PRIVATE:-}" ]; then
        psql -h "$PGHOST_PRIVATE" -U odoo "$@"
    else
        psql "$@"
    fi
}

free_port() {
    "$ODOO_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup_links() { [ -n "${LINK_DIR:-}" ] && rm -rf "$LINK_DIR"; }

# Prints the Chromium (or Chrome) Odoo's browser tests would use, as Odoo
# looks for it (odoo.tests.common._find_executable); nothing when none.
find_chromium() {
    local name
    for name in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$name" && return 0
    done
    return 1
}
