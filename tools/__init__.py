from . import lead_mining_client
from . import lead_mining_codecs
