from . import test_install
from . import test_lead_mining
from . import test_lead_mining_tours
