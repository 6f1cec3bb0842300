"""What every lead-mining protocol is made of, and what its decoder returns."""
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class MiningResult:
    """Valid companies of one answer, plus counts of what had to be dropped.

    ``malformed`` counts whole items skipped; ``dropped_people`` counts single
    contacts skipped inside otherwise valid items (the company is still kept).
    ``charged`` is what the provider debited for the answer, set by the caller
    that knows the provider's pricing.
    """
    items: list
    malformed: int = 0
    dropped_people: int = 0
    charged: int = 0
    # Items the CRM already knew (not created again), set when delivering.
    known_items: list = field(default_factory=list)
    # The stored answer this result comes from (see crm.iap.lead.mining.answer).
    answer_id: int = 0


@dataclass(frozen=True)
class Protocol:
    """One protocol, both halves: what a client sends and reads, what a
    server reads and answers. Callers ask it; nobody tests its ``code``.

    Client half:

    * ``path``: where a client posts its search (under ``reveal.endpoint``).
    * ``request_context``: the names of what the request carries besides the
      search, i.e. the keywords ``encode_request`` takes beyond the account
      (the client computes only those: e.g. the known ``reveal_ids``).
    * ``encode_request(query, *, account_token, db_uuid, **context)``: the
      call's parameters.
    * ``decode_answer(data)``: a MiningResult of the answer's items, in our
      item shape ``{company_data, people_data}``.
    * ``gives_contacts``: whether items carry contacts (``people_data``).

    Server half:

    * ``server_paths``: the paths a server answers on (``path`` among them).
    * ``read_request(params)``: ``(query, reveal_ids)`` of a call's
      parameters, as sent (not validated).
    * ``encode_answer(items, reveal_ids)``: our items, with each company's
      reveal id (the same order), in the shape of the protocol's answer.
      A search may ask for contacts only if ``gives_contacts``.
    * ``credit_error_in_result(params)``: whether the client that sent these
      parameters reads "not enough credits" from the result
      ``{"data": [], "credit_error": True}`` rather than from Odoo's
      ``InsufficientCreditError``: some protocols answer each client version
      in the shape it understands.
    """
    code: str
    path: str
    request_context: tuple
    encode_request: Callable
    decode_answer: Callable
    gives_contacts: bool
    server_paths: tuple
    read_request: Callable
    encode_answer: Callable
    credit_error_in_result: Callable
