"""To 17.0.4.0.0, before the models are loaded: the picking indexes of the
directory now leave out the companies on their way out (register_status),
under new names; drop those of 17.0.3.0.0. Existing companies need no value:
an empty status is a company delivered as before. Idempotent."""

# CREATE INDEX IF NOT EXISTS (the model's init) would keep an older
# definition under an unchanged name.
REPLACED_INDEXES = (
    "crm_iap_lead_directory_company_pick_key_idx",
    "crm_iap_lead_directory_company_fresh_order_idx",
    "crm_iap_lead_directory_company_delivered_order_idx",
)


def migrate(cr, version):
    if not version:
        return
    for name in REPLACED_INDEXES:
        cr.execute(f'DROP INDEX IF EXISTS "{name}"')
