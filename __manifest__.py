# Copyright 2026 crm_iap_mine authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Lead Generation",
    "summary": "Mine new leads and opportunities by country, industry, size "
    "and contact role, with enrichment in the chatter and credits you can "
    "account for",
    "version": "17.0.9.1.0",
    "category": "Sales/CRM",
    "website": "https://github.com/crm-iap-mine/crm_iap_mine",
    "author": "crm_iap_mine authors",
    "license": "LGPL-3",
    "depends": ["iap_crm", "iap_mail"],
    "data": [
        "security/crm_iap_mine_security.xml",
        "security/ir.model.access.csv",
        "data/crm.iap.lead.industry.csv",
        "data/crm.iap.lead.industry-partner.csv",
        "data/crm.iap.lead.role.csv",
        "data/crm.iap.lead.seniority.csv",
        "data/crm.iap.lead.industry.code.csv",
        "data/crm.iap.lead.industry.code-sic1987.csv",
        "data/ir_sequence_data.xml",
        "data/mail_template_data.xml",
        "data/utm_source_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_config_parameter_data.xml",
        "views/mail_templates.xml",
        "views/crm_iap_lead_mining_request_views.xml",
        "views/crm_iap_lead_industry_views.xml",
        "views/crm_iap_lead_directory_views.xml",
        "views/crm_iap_lead_register_import_views.xml",
        "views/crm_iap_lead_credit_line_views.xml",
        "views/crm_iap_lead_service_client_views.xml",
        "views/crm_iap_lead_service_call_views.xml",
        "views/crm_iap_lead_service_templates.xml",
        "views/crm_lead_views.xml",
        "views/crm_iap_lead_directory_link_views.xml",
        "views/crm_iap_lead_gdpr_views.xml",
        "views/res_config_settings_views.xml",
        "report/crm_iap_lead_mining_report_views.xml",
        "views/crm_iap_mine_menus.xml",
    ],
    "demo": [
        "demo/crm_iap_lead_directory_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "crm_iap_mine/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_iap_mine/static/tests/tours/**/*",
        ],
    },
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
    "installable": True,
    "application": False,
}
