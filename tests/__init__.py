from . import test_install
from . import test_lead_mining
from . import test_directory
from . import test_directory_concurrency
from . import test_directory_import
from . import test_lead_mining_tours
from . import test_translations
from . import test_directory_load
