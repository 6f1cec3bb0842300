#!/usr/bin/env bash
# `make lint`: Python and XML syntax, then OCA's pylint-odoo checks.
set -euo pipefail
cd "$(dirname "$0")/.."

files=$(git ls-files '*.py')
python3 -m py_compile $files
python3 - $(git ls-files '*.xml') <<'PY'
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
python3 -c "import pylint_odoo" 2>/dev/null \
    || { echo "pylint-odoo is missing: pip install 'pylint-odoo==9.3.24'" >&2; exit 1; }
# pylint checks the addon as a package: expose it under its module name.
link_dir=$(mktemp -d); trap 'rm -rf "$link_dir"' EXIT
ln -s "$PWD" "$link_dir/crm_iap_mine"
PYTHONPATH="$link_dir${PYTHONPATH:+:$PYTHONPATH}" python3 -m pylint --rcfile=.pylintrc "$link_dir/crm_iap_mine"
echo "lint: clean"
