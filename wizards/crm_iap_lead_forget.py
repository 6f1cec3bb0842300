from odoo import _, fields, models
from odoo.tools import formatLang


class CrmIapLeadForget(models.TransientModel):
    """Ask for a person's data to be erased (right to erasure)."""

    _name = "crm.iap.lead.forget"
    _description = "Forget a Person (Lead Generation)"

    email = fields.Char(required=True, help="The person's e-mail address, as the lead or the directory has it.")
    block_email = fields.Boolean(
        string="Block this address", default=True,
        help="Put the address on the mail blacklist, so that lead mining never brings the person back. "
        "The blacklist keeps the address itself, which is what makes blocking possible.",
    )
    company_ids = fields.Many2many(
        "res.company", string="Companies", compute="_compute_company_ids",
        help="The erasure covers these companies (and what they share): select others in the company switcher.",
    )

    def _compute_company_ids(self):
        self.company_ids = self.env.companies

    def action_forget(self):
        self.ensure_one()
        trace = self.env["crm.iap.lead.erasure"]._erase_person(self.email, block=self.block_email)
        # The address must not outlive the erasure in this dialog's table.
        self.unlink()
        message = _(
            "%(leads)s leads, %(notes)s notes and %(answers)s service answers cleaned, "
            "%(contacts)s directory contacts deleted.",
            leads=formatLang(self.env, trace.lead_count, digits=0),
            notes=formatLang(self.env, trace.note_count, digits=0),
            answers=formatLang(self.env, trace.answer_count, digits=0),
            contacts=formatLang(self.env, trace.contact_count, digits=0),
        )
        if trace.service_client_ids or trace.possible_service_client_ids:
            message += " " + _(
                "Clients of your lead-mining service received the person (%(certain)s) or may have "
                "(%(possible)s, from calls recorded before contacts were): the erasure's trace lists them, "
                "so that you pass the erasure on to them.",
                certain=len(trace.service_client_ids), possible=len(trace.possible_service_client_ids),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if trace.service_client_ids or trace.possible_service_client_ids else "success",
                "title": _("Personal data erased"),
                "message": message,
                "sticky": bool(trace.service_client_ids or trace.possible_service_client_ids),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
