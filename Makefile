# Every target runs against the Odoo 17.0 that `python3 -c "import odoo"` finds
# (or ODOO_SRC), with this checkout first in the addons path as crm_iap_mine.
# Without one, demo/test/compat/i18n set it up in .local/ (scripts/bootstrap_odoo.sh).
.PHONY: help demo test compat lint i18n screenshots bench bootstrap-test

help:
	@echo "make demo   database with demo data, Odoo on http://127.0.0.1:8069"
	@echo "make test   fresh database, every test of the addon, 'N passed, N failed'"
	@echo "make compat website_crm_iap_reveal tests on this addon, upgrade from the stock module"
	@echo "make lint   pylint-odoo (OCA checks) and Python/XML syntax"
	@echo "make screenshots  refresh the pictures of static/description/ (needs chromium)"
	@echo "make i18n   export i18n/crm_iap_mine.pot, merge it into i18n/es.po and it.po"
	@echo "make bench  stock module vs this addon, side by side (about 10 min, not in CI)"
	@echo "make bootstrap-test  Odoo set up from a local clone in a temporary folder, one test, pip packaging"

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

compat:
	@scripts/compat.sh

lint:
	@scripts/lint.sh

i18n:
	@scripts/i18n.sh

screenshots:
	@scripts/screenshots.sh

bench:
	@scripts/bench.sh

bootstrap-test:
	@scripts/bootstrap_test.sh
