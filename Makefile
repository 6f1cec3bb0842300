# Every target runs against the Odoo 17.0 that `python3 -c "import odoo"` finds
# (or ODOO_SRC), with this checkout first in the addons path as crm_iap_mine.
# Without one, demo/test/compat/i18n set it up in .local/ (scripts/odoo/bootstrap_odoo.sh).
# The scripts are grouped by family under scripts/: odoo/ (environment, test,
# lint), demo/, compat/, bench/, registers/, i18n/.
.PHONY: help demo test compat lint i18n screenshots bench bootstrap-test

help:
	@echo "make demo            database crm_iap_mine_demo with demo data and a sample directory of 12,000"
	@echo "                     companies, served on http://127.0.0.1:8069 (admin / admin); reused next time"
	@echo "make test            fresh database, every test of the addon (browser tours included),"
	@echo "                     last line 'N passed, N failed'; TEST_TAGS=... runs a subset"
	@echo "make compat          drop-in checks: website_crm_iap_reveal's tests on this addon, upgrade from"
	@echo "                     the stock module, stock and own databases mining from this addon's service,"
	@echo "                     test_crm_full's import of tests.common, upgrade from this addon's 17.0.2.0.0"
	@echo "                     (from the git history); last line 'N passed, N failed'"
	@echo "make lint            Python and XML syntax, then pylint-odoo (OCA checks)"
	@echo "make i18n            export i18n/crm_iap_mine.pot from a scratch install and merge it into the"
	@echo "                     .po files of all 43 languages (I18N_LANGS=\"fr de\" for some); lists what to translate"
	@echo "make screenshots     refresh the pictures of static/description/ from the demo database (needs chromium)"
	@echo "make bench           stock module vs this addon side by side, and the service under load"
	@echo "                     (about 5-10 min, not in CI; BENCH_ONLY=directory|service|reveal_ids|registers)"
	@echo "make bootstrap-test  Odoo cloned from this machine's checkout into a temporary folder, venv,"
	@echo "                     TestInstall, then the pip-built wheel loaded instead of the stock module"

demo:
	@scripts/demo/demo.sh

test:
	@scripts/odoo/test.sh

compat:
	@scripts/compat/compat.sh

lint:
	@scripts/odoo/lint.sh

i18n:
	@scripts/i18n/i18n.sh

screenshots:
	@scripts/demo/screenshots.sh

bench:
	@scripts/bench/bench.sh

bootstrap-test:
	@scripts/odoo/bootstrap_test.sh
