"""To 17.0.6.0.0, before the models are loaded: create the new stored
computed columns of matching and enrichment empty, so that the ORM does not
compute them record by record over millions of rows (post-match.py fills
the directory's name keys in SQL; the size bands are empty as the new
employee counts are). The directory table is missing when upgrading from
the stock module: the ORM creates it. Idempotent."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE IF EXISTS crm_iap_lead_directory_company ADD COLUMN IF NOT EXISTS name_key varchar")
    cr.execute("ALTER TABLE res_partner ADD COLUMN IF NOT EXISTS company_size_band varchar")
    cr.execute("ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS company_size_band varchar")
