from . import crm_iap_lead_credit_topup
from . import crm_iap_lead_forget
from . import crm_iap_lead_directory_enrich
