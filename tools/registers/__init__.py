"""The public business registers the directory imports, one adapter each.

Adding a register is one file: a `RegisterAdapter` subclass, imported here
and listed in ``ADAPTERS``.
"""
from .base import BadRow, RegisterAdapter  # noqa: F401  (the adapters' base, for new registers)
from .be_kbo import KboAdapter
from .ee_ariregister import AriregisterAdapter
from .dk_cvr import CvrAdapter
from .fr_sirene import SireneAdapter
from .gb_companies_house import CompaniesHouseAdapter
from .no_brreg import BrregAdapter

ADAPTERS = {adapter.code: adapter for adapter in (CompaniesHouseAdapter, SireneAdapter, BrregAdapter,
                                                     KboAdapter, AriregisterAdapter, CvrAdapter)}


def detect_adapter(header):
    """The adapter whose file has this header, or None."""
    for adapter in ADAPTERS.values():
        if adapter.recognises(header) or adapter.recognises_units(header) or adapter.side_kind(header):
            return adapter
    return None
