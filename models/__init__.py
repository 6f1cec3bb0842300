from . import crm_iap_lead_industry
from . import crm_iap_lead_role
from . import crm_iap_lead_seniority
from . import crm_iap_lead_helpers
from . import crm_iap_lead_mining_request
from . import crm_iap_lead_mining_request_iap
from . import crm_lead
from . import res_config_settings
