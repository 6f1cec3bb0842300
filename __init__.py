from . import controllers
from . import models
from . import tools
from . import report
from . import wizards
from .models.crm_iap_lead_dedupe import DEDUPE_INDEXES
from .models.crm_iap_lead_register_import import PROGRESS_TABLE


def uninstall_hook(env):
    """Drop the indexes this module added to tables of other modules, the
    live progress of register imports (a table of its own, no model) and the
    staging tables of imports not finished."""
    for name, _table, _expression, _predicate in DEDUPE_INDEXES:
        env.cr.execute(f"DROP INDEX IF EXISTS {name}")
    env.cr.execute(f"DROP TABLE IF EXISTS {PROGRESS_TABLE}")
    # The staging tables of imports not finished (see tools/registers/loader.py).
    env.cr.execute(r"""
        SELECT tablename FROM pg_tables
         WHERE schemaname = current_schema() AND tablename ~ '^crm_iap_register_(staging|units)_\d+$'
    """)
    for (table,) in env.cr.fetchall():
        env.cr.execute(f'DROP TABLE IF EXISTS "{table}"')
