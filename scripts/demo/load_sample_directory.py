# Run inside `odoo shell` by scripts/demo/demo.sh: fills the demo database with the
# large fictitious company directory and makes it the default provider, with
# a starting balance, so that Generate Leads works offline from the first click.
SAMPLE_SIZE = 12000
STARTING_CREDITS = 15000

Company = env["crm.iap.lead.directory.company"]  # noqa: F821 (env is given by odoo shell)
if Company.search_count([]) < SAMPLE_SIZE:
    Company.env["crm.iap.lead.directory.sample"]._generate(SAMPLE_SIZE, seed=2026)
    Company.env["crm.iap.lead.credit.line"]._record(
        Company.env.ref("base.main_company"), "directory", [(STARTING_CREDITS, "topup")], reference="make demo",
    )
Company.env["ir.config_parameter"].set_param("crm_iap_mine.default_provider", "directory")
Company.env.cr.commit()  # pylint: disable=invalid-commit  # odoo shell rolls back otherwise
countries = len(Company.search([]).country_id)
print(f"Company directory: {Company.search_count([])} companies in {countries} countries")  # pylint: disable=print-used
