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

    def _check_submittable(self):
        super()._check_submittable()
        if not self._gdpr_acknowledgement_missing():
            return
        if not all(self.mapped("gdpr_acknowledged")):
            raise UserError(_(
                "Before your first request, read the data-protection notice at the bottom of the form "
                "and tick the box confirming you did."
            ))
        self.env.user.sudo().lead_mining_gdpr_ack_date = fields.Datetime.now()
