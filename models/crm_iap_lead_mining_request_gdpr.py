"""Data protection: a user acknowledges the notice before their first request."""
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    gdpr_acknowledgement_needed = fields.Boolean(
        string="Acknowledgement Needed", compute="_compute_gdpr_acknowledgement_needed",
    )
    gdpr_acknowledged = fields.Boolean(
        string="I have read the data-protection notice", copy=False,
        help="Required once per user: the contacts found are personal data, to be processed lawfully.",
    )

    # The dialog computes a new record's fields from their dependencies only:
    # without one, the box would stay hidden until the record is saved.
    @api.depends("company_id")
    @api.depends_context("uid")
    def _compute_gdpr_acknowledgement_needed(self):
        needed = self._gdpr_acknowledgement_missing()
        for request in self:
            request.gdpr_acknowledgement_needed = needed

    @api.model
    def _gdpr_acknowledgement_missing(self):
        """Whether the current user has never acknowledged the notice
        (automated runs as superuser have nobody to ask)."""
        return not self.env.su and not self.env.user.sudo().lead_mining_gdpr_ack_date

    @api.model_create_multi
    def create(self, vals_list):
        # Checked when the dialog saves, before anything else: a refused
        # request is never stored, so cancelling the dialog leaves nothing.
        if self._gdpr_acknowledgement_missing():
            if not all(vals.get("gdpr_acknowledged") for vals in vals_list):
                raise UserError(self._gdpr_acknowledgement_error())
            self._record_gdpr_acknowledgement()
        return super().create(vals_list)

    def _check_submittable(self):
        super()._check_submittable()
        if not self._gdpr_acknowledgement_missing():
            return
        if not all(self.mapped("gdpr_acknowledged")):
            raise UserError(self._gdpr_acknowledgement_error())
        self._record_gdpr_acknowledgement()

    @api.model
    def _record_gdpr_acknowledgement(self):
        self.env.user.sudo().lead_mining_gdpr_ack_date = fields.Datetime.now()

    @api.model
    def _gdpr_acknowledgement_error(self):
        return _(
            "Tick the box “I have read this notice and will only use the contacts found lawfully.” "
            "above the buttons: it is asked once, before your first request."
        )
