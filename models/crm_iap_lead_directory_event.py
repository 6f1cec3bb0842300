"""What a register import changed, per directory company: its events."""
from odoo import api, fields, models

# The system parameter: days the events are kept (default EVENT_RETENTION_DAYS).
EVENT_RETENTION_PARAM = "crm_iap_mine.event_retention_days"
EVENT_RETENTION_DAYS = 365
EVENT_KINDS = [
    ("new", "New"), ("name", "Name Changed"), ("address", "Address Changed"), ("industry", "Industry Changed"),
    ("status", "Status Changed"), ("gone", "Gone"), ("back", "Back in the Register"),
]


class CrmIapLeadDirectoryEvent(models.Model):
    """One change a register import brought to a directory company. Written
    in SQL by the import's loader (tools/registers/loader.py, EVENT_TABLE),
    never through the ORM; read by the register watch."""

    _name = "crm.iap.lead.directory.event"
    _description = "Directory Company Event"
    _order = "id desc"

    company_id = fields.Many2one("crm.iap.lead.directory.company", required=True,
                                 ondelete="cascade", index=True, readonly=True)
    import_id = fields.Many2one("crm.iap.lead.register.import", required=True,
                                ondelete="cascade", index=True, readonly=True)
    kind = fields.Selection(EVENT_KINDS, required=True, readonly=True)
    old_value = fields.Char(string="Before", readonly=True)
    new_value = fields.Char(string="After", readonly=True)
    event_date = fields.Date(string="File Date", readonly=True, help="The date of the register's file.")

    @api.autovacuum
    def _gc_old_events(self):
        """Delete the events older than the retention (a system parameter, in days)."""
        days = self.env["ir.config_parameter"].sudo().get_param(EVENT_RETENTION_PARAM)
        days = int(days) if days and str(days).strip().isdigit() else EVENT_RETENTION_DAYS
        self.env.cr.execute("""
            DELETE FROM crm_iap_lead_directory_event
             WHERE create_date < (now() at time zone 'UTC') - make_interval(days => %s)
        """, [days])
