from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import formatLang


class CrmLead(models.Model):
    _inherit = "crm.lead"

    lead_mining_request_id = fields.Many2one(
        "crm.iap.lead.mining.request",
        index="btree_not_null", readonly=True, copy=False,
    )

    lead_mining_provider = fields.Selection(related="lead_mining_request_id.provider", string="Mined From")
    # The number of a company mined from a public register, as a partner's
    # Company ID holds it: the directory never delivers that company again.
    company_registry = fields.Char(string="Company ID", index="btree_not_null", copy=False)

    def _merge_get_fields(self):
        # Merging keeps the link to the request that found the company.
        return super()._merge_get_fields() + ["lead_mining_request_id", "company_registry"]

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        # The company created from a lead keeps its register number.
        values = super()._prepare_customer_values(partner_name, is_company=is_company, parent_id=parent_id)
        if is_company and self.company_registry:
            values["company_registry"] = self.company_registry
        return values

    def action_generate_leads(self):
        """Open a new lead mining request in a dialog.

        Opened from the Leads menu it creates leads, from the pipeline
        opportunities (when leads are enabled at all).
        """
        context = {"is_modal": True, **self._last_lead_mining_search_defaults()}
        if self.env.context.get("default_type") in ("lead", "opportunity") and self.env.user.has_group("crm.group_use_lead"):
            context["default_lead_type"] = self.env.context["default_type"]
        return {
            "name": _("Generate Leads"),
            "type": "ir.actions.act_window",
            "res_model": "crm.iap.lead.mining.request",
            "target": "new",
            "views": [[False, "form"]],
            "context": context,
        }

    @api.model
    def _last_lead_mining_search_defaults(self):
        """The dialog's starting filters: those of the user's last request in
        the current company (a sales manager mines the same market again and
        again). Only this action gets them, not every create of a request."""
        Request = self.env["crm.iap.lead.mining.request"]
        last = Request.search([
            ("create_uid", "=", self.env.uid), ("company_id", "=", self.env.company.id),
            ("parent_id", "=", False), ("country_ids", "!=", False),
        ], order="id desc", limit=1)
        if not last:
            return {}
        defaults = {
            "default_country_ids": last.country_ids.ids,
            "default_industry_ids": last.industry_ids.ids,
            "default_filter_on_size": last.filter_on_size,
            "default_company_size_min": last.company_size_min,
            "default_company_size_max": last.company_size_max,
        }
        if last.provider in last._get_usable_providers():
            defaults["default_provider"] = last.provider
            defaults["default_state_ids"] = last.state_ids.ids
        return defaults

    @api.model
    def _cron_archive_untouched_mined_leads(self, limit=5000):
        """Archive mined leads nobody worked on within the retention period.

        Untouched: not edited since, no message or e-mail written on it (the
        mining note is a notification), no activity planned, not won.
        """
        days = int(self.env["ir.config_parameter"].sudo().get_param("crm_iap_mine.retention_days") or 0)
        if days <= 0:
            return self.browse()
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT l.id FROM crm_lead l
             WHERE l.active AND l.lead_mining_request_id IS NOT NULL
               AND l.write_date < %(cutoff)s
               AND COALESCE(l.probability, 0) < 100
               AND NOT EXISTS (SELECT 1 FROM mail_message m
                                WHERE m.model = 'crm.lead' AND m.res_id = l.id
                                  AND m.message_type IN ('comment', 'email'))
               AND NOT EXISTS (SELECT 1 FROM mail_activity a
                                WHERE a.res_model = 'crm.lead' AND a.res_id = l.id)
             ORDER BY l.id
             LIMIT %(limit)s
        """, {"cutoff": fields.Datetime.now() - timedelta(days=days), "limit": limit})
        leads = self.browse([row[0] for row in self.env.cr.fetchall()])
        if leads:
            leads.action_archive()
            note = Markup("<p>%s</p>") % _(
                "Archived by the Lead Generation retention rule: nobody worked on it for %(days)s days.",
                days=formatLang(self.env, days, digits=0),
            )
            leads._message_log_batch(bodies=dict.fromkeys(leads.ids, note))
        if len(leads) == limit:
            self.env.ref("crm_iap_mine.ir_cron_archive_untouched_leads")._trigger()
        return leads
