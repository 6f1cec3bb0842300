from . import lead_mining_service
