from . import controllers
from . import models
from . import tools
from . import report
from . import wizards
from .models.crm_iap_lead_dedupe import DEDUPE_INDEXES
from .models.crm_iap_lead_register_import import PROGRESS_TABLE


def uninstall_hook(env):
    """Drop the indexes this module added to tables of other modules, and
    the live progress of register imports (a table of its own, no model)."""
    for name, _table, _expression, _predicate in DEDUPE_INDEXES:
        env.cr.execute(f"DROP INDEX IF EXISTS {name}")
    env.cr.execute(f"DROP TABLE IF EXISTS {PROGRESS_TABLE}")
