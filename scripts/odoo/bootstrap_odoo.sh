#!/usr/bin/env bash
# Sets up Odoo 17.0 for a machine that has none: a shallow clone of Odoo in
# $ODOO_BOOTSTRAP_DIR/odoo and a virtual environment $ODOO_BOOTSTRAP_DIR/venv
# whose python imports it. Run by scripts/odoo/odoo_env.sh when no Odoo 17.0 is
# importable and ODOO_SRC is not set; a rerun reuses what is complete.
#
# Usage: bootstrap_odoo.sh BASE_PYTHON (the interpreter the venv is made from)
# Environment: ODOO_BOOTSTRAP_DIR (default: .local of this checkout),
# ODOO_GIT_URL (default: Odoo's official repository), ODOO_REF (a branch or
# tag, or a full 40-character commit; default 17.0).
#
# Nothing is left half-done: the clone is made in a temporary folder renamed
# into place at the end, the venv is marked complete only once Odoo imports
# from it, and a failed venv is removed.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE_PYTHON=${1:-python3}
DIR=${ODOO_BOOTSTRAP_DIR:-$REPO_DIR/.local}
URL=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}
REF=${ODOO_REF:-17.0}
SRC="$DIR/odoo"
VENV="$DIR/venv"
COMPLETE="$VENV/.complete"
PIP_LOG="$DIR/bootstrap-pip.log"
RETRY="fix the cause, then run the same command again (it resumes from the last completed step)"

step() { echo "[odoo setup] $*"; }
# fail WHAT: one line saying what failed, one saying how to retry.
fail() {
    echo "error: [odoo setup] $1" >&2
    echo "       $RETRY" >&2
    exit 1
}
missing() { echo "error: $1" >&2; exit 1; }

mkdir -p "$DIR"
# One set-up at a time per folder (e.g. `make demo` and `make test` started
# together on a new machine): the second waits, then reuses the first's work.
if command -v flock >/dev/null; then
    exec 9>"$DIR/bootstrap.lock"
    flock -n 9 || { step "Waiting for the set-up already running in $DIR..."; flock 9; }
fi

# --- What the machine must provide -----------------------------------------
command -v git >/dev/null || missing "git not found: install it (Debian/Ubuntu: apt-get install git)."
command -v "$BASE_PYTHON" >/dev/null || missing "$BASE_PYTHON not found: install Python 3.10 to 3.12 (Debian/Ubuntu: apt-get install python3) or set ODOO_PYTHON."
"$BASE_PYTHON" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' \
    || missing "Odoo 17.0 needs Python 3.10 to 3.12, $BASE_PYTHON is $("$BASE_PYTHON" -c 'import platform; print(platform.python_version())'): set ODOO_PYTHON to one of those."
"$BASE_PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || missing "$BASE_PYTHON cannot create virtual environments: install the venv module (Debian/Ubuntu: apt-get install python3-venv)."

# --- Odoo source --------------------------------------------------------------
# Folders of an interrupted clone (killed before its own cleanup ran).
rm -rf "$DIR"/odoo.partial.*
if [ -d "$SRC/.git" ]; then
    step "Odoo source: reusing $SRC ($(git -C "$SRC" log -1 --format='commit %h of %cd' --date=short))"
else
    step "Cloning Odoo $REF from $URL into $SRC (shallow clone, about 1 GB on disk)..."
    PARTIAL=$(mktemp -d "$DIR/odoo.partial.XXXXXX")
    trap 'rm -rf "$PARTIAL"' EXIT
    if [[ $REF =~ ^[0-9a-f]{40}$ ]]; then
        # A pinned commit: fetch exactly that one.
        { git -C "$PARTIAL" init -q && git -C "$PARTIAL" remote add origin "$URL" \
            && git -C "$PARTIAL" fetch --depth 1 origin "$REF" \
            && git -C "$PARTIAL" -c advice.detachedHead=false checkout -q FETCH_HEAD; } \
            || fail "cloning commit $REF of $URL failed (see git's message above)."
    else
        git clone --depth 1 --branch "$REF" "$URL" "$PARTIAL" \
            || fail "cloning $REF of $URL failed (see git's message above; set ODOO_GIT_URL/ODOO_REF to change them)."
    fi
    grep -qE '^version_info = \(17, 0,' "$PARTIAL/odoo/release.py" 2>/dev/null \
        || fail "$REF of $URL is not Odoo 17.0 (odoo/release.py): set ODOO_REF to Odoo's 17.0 branch or one of its commits."
    chmod 755 "$PARTIAL"   # made by mktemp: owner only
    mv "$PARTIAL" "$SRC"
    trap - EXIT
fi

# --- Virtual environment --------------------------------------------------------
if [ -f "$COMPLETE" ]; then
    step "Python environment: reusing $VENV"
    exit 0
fi
rm -rf "$VENV"   # left by an interrupted run: never complete
trap 'rm -rf "$VENV"' EXIT
step "Creating the virtual environment $VENV"
"$BASE_PYTHON" -m venv "$VENV" || fail "creating the virtual environment $VENV failed."

# Odoo's requirements.txt, adapted so that nothing needs a compiler or a
# system library:
#  - python-ldap is left out: it builds against libldap2-dev/libsasl2-dev and
#    only the auth_ldap addon uses it;
#  - psycopg2 is replaced by psycopg2-binary of the same version (the same
#    `psycopg2` module, prebuilt; psycopg2 itself builds against libpq-dev).
# Added: what the checks need (browser tours, make lint).
REQUIREMENTS="$VENV/requirements.txt"
sed -E -e '/^python-ldap[ =;]/d' -e 's/^psycopg2==/psycopg2-binary==/' "$SRC/requirements.txt" >"$REQUIREMENTS"
printf '%s\n' websocket-client 'pylint-odoo==9.3.24' >>"$REQUIREMENTS"

step "Installing Odoo's Python requirements into $VENV (log $PIP_LOG)..."
set +e
"$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    -r "$REQUIREMENTS" >"$PIP_LOG" 2>&1 &
PIP_PID=$!
# One line per package pip starts on, so that a long download shows progress.
tail -n +1 -f "$PIP_LOG" --pid="$PIP_PID" 2>/dev/null \
    | sed -unE 's/^Collecting ([^ ]+).*/    collecting \1/p'
wait "$PIP_PID"
rc=$?
set -e
if [ "$rc" != 0 ]; then
    tail -n 15 "$PIP_LOG" | sed 's/^/    /' >&2
    fail "installing Odoo's requirements failed (full log: $PIP_LOG)."
fi

# The venv's python imports this clone of Odoo.
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$SRC" >"$SITE/odoo_src.pth"
"$VENV/bin/python" -c 'import odoo.release as r; assert r.version_info[:2] == (17, 0)' \
    || fail "Odoo does not import from $VENV after the installation."
touch "$COMPLETE"
trap - EXIT
step "Odoo 17.0 is ready: $VENV/bin/python imports it from $SRC"
