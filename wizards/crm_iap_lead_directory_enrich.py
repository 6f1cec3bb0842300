"""Overwrite, field by field, what a partner or a lead holds with what its
directory company says: the fields that differ, one checkbox each."""
from odoo import _, fields, models
from odoo.exceptions import UserError

ENRICHED_MODELS = ("res.partner", "crm.lead")


class CrmIapLeadDirectoryEnrich(models.TransientModel):
    _name = "crm.iap.lead.directory.enrich"
    _description = "Overwrite from the Directory"

    res_model = fields.Char(string="Record Model", required=True)
    res_id = fields.Integer(string="Record ID", required=True)
    line_ids = fields.One2many("crm.iap.lead.directory.enrich.line", "wizard_id", string="Fields")

    def action_apply(self):
        self.ensure_one()
        if self.res_model not in ENRICHED_MODELS:
            raise UserError(_("Only partners and leads are enriched from the directory."))
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(_("The record was deleted meanwhile."))
        record._check_directory_access()
        chosen = [line.field_name for line in self.line_ids if line.overwrite]
        # Only the fields offered, and only those still differing.
        differing = {name for name, _current, _value in record._directory_differences()}
        record._directory_enrich(overwrite=[name for name in chosen if name in differing])
        return {"type": "ir.actions.act_window_close"}


class CrmIapLeadDirectoryEnrichLine(models.TransientModel):
    _name = "crm.iap.lead.directory.enrich.line"
    _description = "Field to Overwrite from the Directory"

    wizard_id = fields.Many2one("crm.iap.lead.directory.enrich", string="Overwrite from the Directory", required=True,
                                ondelete="cascade")
    field_name = fields.Char(string="Technical Field Name", required=True)
    field_label = fields.Char(string="Field", readonly=True)
    current_value = fields.Char(readonly=True)
    directory_value = fields.Char(string="In the Directory", readonly=True)
    overwrite = fields.Boolean()
