from . import lead_mining_client
from . import lead_mining_codecs
from . import register_files
from . import registers
