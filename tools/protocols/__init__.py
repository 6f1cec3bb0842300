"""The lead-mining protocols of Odoo's IAP service, both halves, as pure functions.

One module per protocol, each with its `base.Protocol`: what a client sends
(``encode_request``) and how it reads the answer (``decode_answer``), what a
server reads of a call (``read_request``) and how it answers
(``encode_answer``). Decoded items all have this module's own item shape::

    {"company_data": {...}, "people_data": [{...}, ...]}

``company_data`` uses the keys of Odoo's company card (``iap_mail``'s
``enrich_company`` template) and of `crm.iap.lead.helpers`, so every provider
feeds the same lead creation and notes.

* **Dun & Bradstreet** (`dnb`, what Odoo's service speaks since late 2025):
  flat company items, no contacts, and ``reveal_ids`` to leave out the
  companies the database already knows.
* **Clearbit** (`clearbit`, the earlier protocol, kept for services that
  still speak it): ``{company_data, people_data}`` items with contacts.

No ORM here: these functions are tested against plain data.
"""
from . import clearbit, dnb
from .base import MiningResult, Protocol

PROTOCOLS = {protocol.code: protocol for protocol in (dnb.PROTOCOL, clearbit.PROTOCOL)}
DEFAULT_PROTOCOL = 'dnb'

__all__ = ['DEFAULT_PROTOCOL', 'PROTOCOLS', 'MiningResult', 'Protocol', 'clearbit', 'dnb']
