from . import crm_iap_lead_mining_report
