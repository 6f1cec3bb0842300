"""The two lead-mining protocols of Odoo's IAP service, as pure functions.

Each protocol has one function per direction: the request parameters it
expects for a search (``encode_*``), and the items of its answer turned into
this module's own item shape (``decode_*``)::

    {"company_data": {...}, "people_data": [{...}, ...]}

``company_data`` uses the keys of Odoo's company card (``iap_mail``'s
``enrich_company`` template) and of `crm.iap.lead.helpers`, so every provider
feeds the same lead creation and notes.

* **Dun & Bradstreet** (``dnb``, what Odoo's service speaks since late 2025):
  flat company items, no contacts, and ``reveal_ids`` to leave out the
  companies the database already knows.
* **Clearbit** (``clearbit``, the earlier protocol, kept for services that
  still speak it): ``{company_data, people_data}`` items with contacts.

No ORM here: these functions are tested against plain data.
"""
import numbers
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DNB_PATH = '/api/dnb/1/search_by_criteria'
CLEARBIT_PATH = '/iap/clearbit/2/lead_mining_request'

_DNB_TEXT_KEYS = ('domain', 'website', 'phone', 'street', 'city', 'zip', 'state_code', 'country_code',
                  'entity_type', 'industry_code', 'vat')


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
    """One protocol: where to post, how to encode and decode, what it gives."""
    code: str
    path: str
    encode: object
    decode: object
    gives_contacts: bool


# -- Dun & Bradstreet ---------------------------------------------------------

def encode_dnb_request(query, *, account_token, db_uuid, db_version=None, db_lang=None,
                       country_code=None, reveal_ids=()):
    """Parameters of ``search_by_criteria``: the search goes in ``query``."""
    return {
        'account_token': account_token,
        'db_uuid': db_uuid,
        'db_version': db_version,
        'db_lang': db_lang,
        'country_code': country_code,
        'query': query,
        'reveal_ids': list(reveal_ids),
    }


def decode_dnb_items(data):
    """MiningResult of the flat D&B items of an answer (never any contact)."""
    result = MiningResult(items=[])
    for item in data:
        company = _dnb_company(item)
        if company is None:
            result.malformed += 1
        else:
            result.items.append({'company_data': company, 'people_data': []})
    return result


def _dnb_company(item):
    """company_data of one D&B item, or None when the item is not valid."""
    if not isinstance(item, dict):
        return None
    duns, name = item.get('duns'), item.get('name')
    if isinstance(duns, bool) or not isinstance(duns, (str, int)) or not str(duns).strip():
        return None
    if not isinstance(name, str) or not name.strip():
        return None
    if any(item.get(key) is not None and not isinstance(item[key], str) for key in _DNB_TEXT_KEYS):
        return None
    employees, revenue = item.get('employees'), item.get('estimated_annual_revenue')
    if not _is_number_or_none(employees) or not (_is_number_or_none(revenue) or isinstance(revenue, str)):
        return None
    industries = _unspsc_labels(item.get('unspsc_codes'))
    if industries is None:
        return None
    domain = (item.get('domain') or _host_of(item.get('website')) or '').strip().lower() or False
    phone = item.get('phone') or False
    if isinstance(revenue, numbers.Number):
        revenue = f'{revenue:,.0f}'
    address_parts = [item.get('street'), ' '.join(filter(None, [item.get('zip'), item.get('city')])),
                     item.get('state_code'), item.get('country_code')]
    return {
        'reveal_id': str(duns).strip(),
        'name': name.strip(),
        'domain': domain,
        'website': f'https://{domain}' if domain else False,
        'phone': phone,
        'phone_numbers': [phone] if phone else [],
        'email': [],
        'location': item.get('street') or False,
        'city': item.get('city') or False,
        'postal_code': item.get('zip') or False,
        'state_code': item.get('state_code') or False,
        'country_code': item.get('country_code') or False,
        'employees': employees or False,
        'estimated_annual_revenue': revenue or False,
        'company_type': item.get('entity_type') or False,
        'industries': industries,
        'vat': item.get('vat') or False,
        'address': ', '.join(part for part in address_parts if part) or False,
    }


def _is_number_or_none(value):
    return value is None or (isinstance(value, numbers.Number) and not isinstance(value, bool))


def _unspsc_labels(codes):
    """Labels of ``[[code, label], ...]``, or None when the list is not valid."""
    if codes is None:
        return []
    if not isinstance(codes, list):
        return None
    labels = []
    for pair in codes:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not isinstance(pair[1], str):
            return None
        if pair[1].strip() and pair[1].strip() not in labels:
            labels.append(pair[1].strip())
    return labels


def _host_of(website):
    if not isinstance(website, str) or not website.strip():
        return None
    host = urlsplit(website if '//' in website else f'//{website}').hostname or ''
    return host.removeprefix('www.') or None


# -- Clearbit -----------------------------------------------------------------

def encode_clearbit_request(query, *, account_token, db_uuid, **_unused):
    """Parameters of ``lead_mining_request``: the search goes in ``data``."""
    return {'account_token': account_token, 'dbuuid': db_uuid, 'data': query}


def decode_clearbit_items(data):
    """MiningResult of the ``{company_data, people_data}`` items of an answer."""
    result = MiningResult(items=[])
    for item in data:
        people = _people_of(item) if _is_valid_clearbit_item(item) else None
        if people is None:
            result.malformed += 1
            continue
        valid_people = [person for person in people if isinstance(person, dict)]
        result.dropped_people += len(people) - len(valid_people)
        result.items.append({'company_data': item['company_data'], 'people_data': valid_people})
    return result


def _is_valid_clearbit_item(item):
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


PROTOCOLS = {
    'dnb': Protocol('dnb', DNB_PATH, encode_dnb_request, decode_dnb_items, gives_contacts=False),
    'clearbit': Protocol('clearbit', CLEARBIT_PATH, encode_clearbit_request, decode_clearbit_items,
                         gives_contacts=True),
}
DEFAULT_PROTOCOL = 'dnb'
