#!/usr/bin/env bash
# `make bootstrap-test`: what `make test` does on a machine without Odoo, end
# to end, in a temporary folder that is removed afterwards:
#  1. the Odoo source this machine has (found through `import odoo`; it must
#     be a git checkout) serves as ODOO_GIT_URL=file://..., at its commit;
#  2. scripts/odoo/test.sh runs with a python that cannot import Odoo, so it clones
#     that repository and builds the venv (scripts/odoo/bootstrap_odoo.sh), installs
#     the addon in a fresh database and runs one quick test class there;
#  3. packaging: the wheel that `pip install` builds from this repository
#     (pyproject.toml, OCA's whool) is installed into that venv, and a started
#     Odoo must load crm_iap_mine from it instead of the stock module.
# The machine's Odoo and python are left untouched. Bounded by
# BOOTSTRAP_TEST_TIMEOUT seconds (default 900); prints how long it took.
set -euo pipefail
REPO_DIR=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=${BOOTSTRAP_TEST_TIMEOUT:-900}
started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started)) s"; }

src=$(PYTHONPATH="${ODOO_SRC:+$ODOO_SRC:}${PYTHONPATH:-}" "${ODOO_PYTHON:-python3}" -c \
    'import os, odoo; print(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))))' 2>/dev/null) \
    || { echo "bootstrap test: SKIPPED, this machine has no Odoo source to clone from (import odoo fails)."; exit 0; }
top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) && commit=$(git -C "$top" rev-parse HEAD 2>/dev/null) \
    || { echo "bootstrap test: SKIPPED, the Odoo source $src is not a git checkout."; exit 0; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm_iap_mine_bootstrap_test.XXXXXX")
finish() {
    local rc=$?
    rm -rf "$WORK"
    echo "bootstrap test: $([ "$rc" = 0 ] && echo passed || echo FAILED) in $(elapsed), temporary folder removed"
}
trap finish EXIT
# A python that cannot import Odoo, as on a machine without it.
python3 -m venv "$WORK/python"
CLEAN_PYTHON="$WORK/python/bin/python"
if "$CLEAN_PYTHON" -c 'import odoo' 2>/dev/null; then
    echo "bootstrap test: FAIL, $CLEAN_PYTHON imports odoo: it cannot stand for a machine without Odoo." >&2
    exit 1
fi

echo "== bootstrap test: Odoo from file://$top at $commit into $WORK/local (limit $LIMIT s)"
rc=0
ODOO_PYTHON="$CLEAN_PYTHON" ODOO_BOOTSTRAP_DIR="$WORK/local" ODOO_GIT_URL="file://$top" \
    ODOO_REF="$commit" TEST_TAGS=/crm_iap_mine:TestInstall \
    timeout "$LIMIT" "$REPO_DIR/scripts/odoo/test.sh" || rc=$?
if [ "$rc" = 124 ]; then
    echo "bootstrap test: FAIL, not finished after $LIMIT s." >&2
    exit 1
elif [ "$rc" != 0 ]; then
    echo "bootstrap test: FAIL, scripts/odoo/test.sh exited with $rc after $(elapsed) (see above)." >&2
    exit 1
fi
VENV_PYTHON="$WORK/local/venv/bin/python"
"$VENV_PYTHON" -c "import odoo, sys; sys.exit(not odoo.__file__.startswith('$WORK/local/odoo/'))" \
    || { echo "bootstrap test: FAIL, the venv does not import the cloned Odoo." >&2; exit 1; }
echo "bootstrap test: clone, venv and TestInstall passed in $(elapsed)"

echo "== packaging: pip install of this repository, loaded instead of the stock module"
# whool names the distribution after the folder: build from one named crm_iap_mine.
git clone -q "$REPO_DIR" "$WORK/crm_iap_mine"
timeout 300 "$VENV_PYTHON" -m pip wheel -q --no-deps --wheel-dir "$WORK/dist" "$WORK/crm_iap_mine" \
    || { echo "packaging: FAIL, building the wheel failed." >&2; exit 1; }
wheel=$(ls "$WORK"/dist/odoo_addon_crm_iap_mine-*.whl) \
    || { echo "packaging: FAIL, no odoo_addon_crm_iap_mine wheel in $WORK/dist." >&2; exit 1; }
# --no-deps: the wheel requires the `odoo` distribution, which a source install lacks.
"$VENV_PYTHON" -m pip install -q --no-deps "$wheel"
[ -f "$WORK/local/odoo/addons/crm_iap_mine/__manifest__.py" ] \
    || { echo "packaging: FAIL, the cloned Odoo has no stock crm_iap_mine: nothing to be loaded instead of." >&2; exit 1; }
site=$("$VENV_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# Odoo started with its default addons path: the stock module is in it.
loaded=$(cd "$WORK" && timeout 120 "$VENV_PYTHON" -c 'import odoo; odoo.cli.main()' shell --no-http \
    --log-level=warn <<'PY' 2>/dev/null | sed -n 's/^LOADED //p'
import odoo
print("LOADED", odoo.modules.get_module_path("crm_iap_mine"))
PY
)
if [ "$loaded" != "$site/odoo/addons/crm_iap_mine" ]; then
    echo "packaging: FAIL, Odoo loaded crm_iap_mine from '${loaded}', not from the installed $(basename "$wheel")." >&2
    exit 1
fi
echo "packaging: $(basename "$wheel") installed, Odoo loads crm_iap_mine from $loaded"
