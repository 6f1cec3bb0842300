from odoo import _, fields, models


class CrmIapLeadDirectoryContact(models.Model):
    """A person working for a directory company."""

    _name = "crm.iap.lead.directory.contact"
    _description = "Directory Contact"
    _order = "directory_company_id, id"

    directory_company_id = fields.Many2one(
        "crm.iap.lead.directory.company", string="Company", required=True, ondelete="cascade", index=True,
    )
    name = fields.Char(required=True)
    title = fields.Char(string="Job Title")
    email = fields.Char()
    phone = fields.Char()
    role_id = fields.Many2one("crm.iap.lead.role", index="btree_not_null")
    seniority_id = fields.Many2one("crm.iap.lead.seniority", index="btree_not_null")
    do_not_contact = fields.Boolean(help="Never delivered by lead mining.")
    active = fields.Boolean(default=True)

    def action_forget(self):
        """Open the erasure dialog for this person."""
        self.ensure_one()
        return {
            "name": _("Forget a Person"),
            "type": "ir.actions.act_window",
            "res_model": "crm.iap.lead.forget",
            "views": [[False, "form"]],
            "target": "new",
            "context": {"default_email": self.email},
        }

    def init(self):
        # The mining query asks, for each candidate company, whether it has a
        # contact to deliver (of the roles asked, not blacklisted): one
        # index-only probe per company.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_iap_lead_directory_contact_picking_idx
                ON crm_iap_lead_directory_contact (directory_company_id) INCLUDE (role_id, seniority_id, email)
             WHERE active AND NOT COALESCE(do_not_contact, FALSE)
        """)
