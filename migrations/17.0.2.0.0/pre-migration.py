"""From Odoo's stock crm_iap_mine (17.0.1.x) to this addon, before its models
are loaded: fill the columns this addon requires on existing requests, so that
the ORM finds them set instead of stamping one default on every row."""
import logging

from odoo.tools import sql

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def migrate(cr, version):
    if not version or not sql.table_exists(cr, "crm_iap_lead_mining_request"):
        return
    if not sql.column_exists(cr, "crm_iap_lead_mining_request", "company_id"):
        sql.create_column(cr, "crm_iap_lead_mining_request", "company_id", "int4")
    # The company of the request's team, else of the user who created it, else
    # of its salesperson, else the main company: its leads went to that team,
    # and a request's team must belong to the request's company.
    cr.execute("""
        UPDATE crm_iap_lead_mining_request request
           SET company_id = COALESCE(
                   (SELECT team.company_id FROM crm_team team WHERE team.id = request.team_id),
                   (SELECT creator.company_id FROM res_users creator WHERE creator.id = request.create_uid),
                   (SELECT seller.company_id FROM res_users seller WHERE seller.id = request.user_id),
                   (SELECT company.id FROM res_company company ORDER BY company.sequence, company.id LIMIT 1))
         WHERE request.company_id IS NULL
    """)
    _logger.info("crm_iap_mine: company set on %s lead mining requests", cr.rowcount)

    # Every stock request was answered by Odoo's IAP service.
    if not sql.column_exists(cr, "crm_iap_lead_mining_request", "provider"):
        sql.create_column(cr, "crm_iap_lead_mining_request", "provider", "varchar")
    cr.execute("UPDATE crm_iap_lead_mining_request SET provider = 'iap' WHERE provider IS NULL")

    # crm.iap.lead.helpers was a regular model with an (always empty) table;
    # here it is an AbstractModel, which has no table: drop the table and the
    # records of its foreign keys.
    cr.execute("DROP TABLE IF EXISTS crm_iap_lead_helpers")
    cr.execute("""
        DELETE FROM ir_model_constraint
         WHERE type = 'f'
           AND model IN (SELECT id FROM ir_model WHERE model = 'crm.iap.lead.helpers')
    """)
