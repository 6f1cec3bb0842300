from odoo import fields, models, tools

from odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request import provider_selection


class CrmIapLeadMiningReport(models.Model):
    """Per request: credits spent, leads created and leads won, to judge
    what a credit brings per month, team, salesperson and provider."""

    _name = "crm.iap.lead.mining.report"
    _description = "Lead Mining Analysis"
    _auto = False
    _order = "date desc"

    request_id = fields.Many2one("crm.iap.lead.mining.request", readonly=True)
    date = fields.Datetime(readonly=True)
    provider = fields.Selection(
        selection=provider_selection,
        readonly=True,
    )
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    credits_spent = fields.Integer(readonly=True)
    leads_created = fields.Integer(readonly=True)
    leads_won = fields.Integer(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT r.id, r.id AS request_id, r.create_date AS date, r.provider, r.company_id,
                       r.team_id, r.user_id,
                       COALESCE(spent.credits, 0) AS credits_spent,
                       COALESCE(leads.created, 0) AS leads_created,
                       COALESCE(leads.won, 0) AS leads_won
                  FROM crm_iap_lead_mining_request r
             LEFT JOIN (SELECT request_id, -SUM(amount) AS credits
                          FROM crm_iap_lead_credit_line WHERE amount < 0 AND reason != 'hold' GROUP BY request_id) spent
                    ON spent.request_id = r.id
             LEFT JOIN (SELECT l.lead_mining_request_id AS request_id, COUNT(*) AS created,
                               COUNT(*) FILTER (WHERE s.is_won) AS won
                          FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id
                         WHERE l.lead_mining_request_id IS NOT NULL
                      GROUP BY l.lead_mining_request_id) leads
                    ON leads.request_id = r.id
                 WHERE r.state = 'done'
            )
        """)
