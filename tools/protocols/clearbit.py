"""Clearbit (``clearbit``): the earlier protocol, kept for services that still
speak it. Its items are our own item shape, contacts included::

    {"company_data": {"clearbit_id": ..., ...}, "people_data": [{...}, ...]}
"""
from .base import MiningResult, Protocol

PATH = '/iap/clearbit/2/lead_mining_request'
# Odoo's clients posted to version 1 before version 2: a server answers both.
SERVER_PATHS = ('/iap/clearbit/1/lead_mining_request', PATH)


# -- client half ----------------------------------------------------------------

def encode_request(query, *, account_token, db_uuid):
    """Parameters of ``lead_mining_request``: the search goes in ``data``."""
    return {'account_token': account_token, 'dbuuid': db_uuid, 'data': query}


def decode_answer(data):
    """MiningResult of the ``{company_data, people_data}`` items of an answer."""
    result = MiningResult(items=[])
    for item in data:
        people = _people_of(item) if _is_valid_item(item) else None
        if people is None:
            result.malformed += 1
            continue
        valid_people = [person for person in people if isinstance(person, dict)]
        result.dropped_people += len(people) - len(valid_people)
        result.items.append({'company_data': item['company_data'], 'people_data': valid_people})
    return result


def _is_valid_item(item):
    if not isinstance(item, dict) or not isinstance(item.get('company_data'), dict):
        return False
    company = item['company_data']
    has_label = any(isinstance(company.get(key), str) and company[key].strip()
                    for key in ('name', 'domain'))
    return bool(company.get('clearbit_id')) and has_label


def _people_of(item):
    """people_data as a list ([] when absent), or None when it is not a list."""
    people = item.get('people_data')
    if people is None:
        return []
    return people if isinstance(people, list) else None


# -- server half ----------------------------------------------------------------

def read_request(params):
    """(search, known reveal ids) of the parameters of ``lead_mining_request``:
    a Clearbit client sends no known ids."""
    return params.get('data'), []


def encode_answer(items, reveal_ids):
    """Our items as they are, each company's reveal id as its ``clearbit_id``."""
    return [dict(item, company_data=dict(item['company_data'], clearbit_id=reveal_id))
            for item, reveal_id in zip(items, reveal_ids, strict=True)]


PROTOCOL = Protocol(
    code='clearbit',
    path=PATH,
    request_context=(),
    encode_request=encode_request,
    decode_answer=decode_answer,
    gives_contacts=True,
    server_paths=SERVER_PATHS,
    read_request=read_request,
    encode_answer=encode_answer,
    credit_error_in_result=lambda params: False,
)
