from . import lead_mining_client
from . import protocols
from . import register_files
from . import registers
