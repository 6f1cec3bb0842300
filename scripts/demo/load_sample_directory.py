# Run inside `odoo shell` by scripts/demo/demo.sh: fills the demo database with the
# large fictitious company directory and makes it the default provider, with
# its starting balance (crm.iap.lead.directory.sample._load_make_demo).
Sample = env["crm.iap.lead.directory.sample"]  # noqa: F821 (env is given by odoo shell)
Sample._load_make_demo()
Sample.env.cr.commit()  # pylint: disable=invalid-commit  # odoo shell rolls back otherwise
Company = Sample.env["crm.iap.lead.directory.company"]
balance = Sample.env["crm.iap.lead.credit.line"]._get_balance(Sample.env.ref("base.main_company"), "directory")
print(f"Company directory: {Company.search_count([])} companies in {len(Company.search([]).country_id)} "  # pylint: disable=print-used
      f"countries, {balance:,} credits")
