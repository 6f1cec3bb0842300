#!/usr/bin/env bash
# `make lint`: Python and XML syntax, then OCA's pylint-odoo checks.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The python with pylint-odoo: ODOO_PYTHON (default python3), else the one
# set up in .local/ by scripts/odoo/bootstrap_odoo.sh.
PYTHON=${ODOO_PYTHON:-python3}
if ! "$PYTHON" -c "import pylint_odoo" 2>/dev/null && [ -f .local/venv/.complete ]; then
    PYTHON=.local/venv/bin/python
fi
files=$(git ls-files '*.py')
"$PYTHON" -m py_compile $files
"$PYTHON" - $(git ls-files '*.xml') <<'PY'
import sys
from lxml import etree
bad = 0
for path in sys.argv[1:]:
    try:
        etree.parse(path)
    except etree.XMLSyntaxError as error:
        print(f"{path}: {error}")
        bad += 1
sys.exit(bad)
PY
"$PYTHON" -c "import pylint_odoo" 2>/dev/null \
    || { echo "pylint-odoo is missing: pip install 'pylint-odoo==9.3.24'" >&2; exit 1; }
# pylint checks the addon as a package: expose it under its module name.
link_dir=$(mktemp -d); trap 'rm -rf "$link_dir"' EXIT
ln -s "$PWD" "$link_dir/crm_iap_mine"
PYTHONPATH="$link_dir${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -m pylint --rcfile=.pylintrc "$link_dir/crm_iap_mine"
echo "lint: clean"
