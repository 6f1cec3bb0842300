"""Dun & Bradstreet (``dnb``): what Odoo's service speaks since late 2025.

Flat company items without contacts. A client sends the ``reveal_ids`` of the
companies its database already knows (and its version, language and
country); the service leaves those companies out.

Clients of every Odoo version call the same route, and differ in two ways
(docs/developer.md, *Every client version*, cites their source): the
industries of a search are IAP sector ids (``industry_ids``) or SIC major
groups (``sic_groups``), and "not enough credits" is read from Odoo's
``InsufficientCreditError`` or from the answer's ``credit_error`` flag.
"""
import numbers
import re
from urllib.parse import urlsplit

from .base import MiningResult, Protocol

PATH = '/api/dnb/1/search_by_criteria'

# The D&B field map, one line per field: our company_data key, the D&B item's
# key. The decoder reads it one way, the encoder the other; what takes more
# than a copy (formats, derived fields) is done after it, in our keys.
FIELDS = (
    ('reveal_id', 'duns'),
    ('name', 'name'),
    ('domain', 'domain'),
    ('website', 'website'),
    ('phone', 'phone'),
    ('location', 'street'),
    ('city', 'city'),
    ('postal_code', 'zip'),
    ('state_code', 'state_code'),
    ('country_code', 'country_code'),
    ('employees', 'employees'),
    ('estimated_annual_revenue', 'estimated_annual_revenue'),
    ('company_type', 'entity_type'),
    ('industries', 'unspsc_codes'),
    ('vat', 'vat'),
)
# Fields of the map checked on their own; every other one holds text or nothing.
_NOT_TEXT = {'reveal_id', 'name', 'employees', 'estimated_annual_revenue', 'industries'}
# D&B keys we do not read, but which must hold text or nothing all the same.
_UNREAD_TEXT_KEYS = ('industry_code',)


# -- client half ----------------------------------------------------------------

def encode_request(query, *, account_token, db_uuid, db_version=None, db_lang=None,
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


def decode_answer(data):
    """MiningResult of the flat D&B items of an answer (never any contact)."""
    result = MiningResult(items=[])
    for item in data:
        company = _company(item)
        if company is None:
            result.malformed += 1
        else:
            result.items.append({'company_data': company, 'people_data': []})
    return result


def _company(item):
    """company_data of one D&B item, or None when the item is not valid."""
    if not isinstance(item, dict):
        return None
    raw = {ours: item.get(theirs) for ours, theirs in FIELDS}
    if not _is_valid(raw, item):
        return None
    company = {ours: value or False for ours, value in raw.items()}
    domain = (company['domain'] or _host_of(company['website']) or '').strip().lower() or False
    revenue = raw['estimated_annual_revenue']
    if isinstance(revenue, numbers.Number):
        revenue = f'{revenue:,.0f}'
    address_parts = [company['location'], ' '.join(filter(None, [company['postal_code'], company['city']])),
                     company['state_code'], company['country_code']]
    company.update(
        reveal_id=str(raw['reveal_id']).strip(),
        name=raw['name'].strip(),
        domain=domain,
        website=f'https://{domain}' if domain else False,
        phone_numbers=[company['phone']] if company['phone'] else [],
        email=[],
        estimated_annual_revenue=revenue or False,
        industries=_unspsc_labels(raw['industries']),
        address=', '.join(part for part in address_parts if part) or False,
    )
    return company


def _is_valid(raw, item):
    """Whether the values of one item (``raw``: in our keys) can be read."""
    duns, name = raw['reveal_id'], raw['name']
    if isinstance(duns, bool) or not isinstance(duns, (str, int)) or not str(duns).strip():
        return False
    if not isinstance(name, str) or not name.strip():
        return False
    texts = [value for ours, value in raw.items() if ours not in _NOT_TEXT]
    texts += [item.get(key) for key in _UNREAD_TEXT_KEYS]
    if any(value is not None and not isinstance(value, str) for value in texts):
        return False
    employees, revenue = raw['employees'], raw['estimated_annual_revenue']
    if not _is_number_or_none(employees) or not (_is_number_or_none(revenue) or isinstance(revenue, str)):
        return False
    return _unspsc_labels(raw['industries']) is not None


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


# -- server half ----------------------------------------------------------------

def read_request(params):
    """(search, known reveal ids) of the parameters of ``search_by_criteria``."""
    return params.get('query'), params.get('reveal_ids')


# The Odoo series whose client takes "not enough credits" from Odoo's
# InsufficientCreditError (and reads the credit_error flag, items or not, as
# "no result"); every other series reads the flag, and shows the error as a
# failed request without the Buy credits button.
CREDIT_ERROR_AS_EXCEPTION_SERIES = frozenset({17})
# release.version of the client: "17.0", "17.0+e", "saas~18.3", "19.5alpha1".
_DB_VERSION_RE = re.compile(r'^(?:saas~)?([0-9]+)\.[0-9]+')
_SIC_MAJOR_GROUP_RE = re.compile(r'[0-9]{1,2}')


def client_series(db_version):
    """The major version of Odoo a client says it runs, or None when its
    ``db_version`` cannot be read."""
    match = _DB_VERSION_RE.match(db_version) if isinstance(db_version, str) else None
    return int(match.group(1)) if match else None


def credit_error_in_result(params):
    """Whether the client of these parameters reads "not enough credits"
    from the answer's flag; an unknown version does (the current clients)."""
    return client_series(params.get('db_version')) not in CREDIT_ERROR_AS_EXCEPTION_SERIES


def read_sic_groups(query):
    """The SIC major groups a search asks for, as two-digit codes ("01" to
    "99", sorted), or [] when it names none. Clients of Odoo 19.4 and later
    send them (``sic_groups``, whole numbers) instead of ``industry_ids``.

    :raise ValueError: ``sic_groups`` holds anything else.
    """
    groups = query.get('sic_groups')
    if groups is None or groups == []:
        return []
    if not isinstance(groups, list) or not all(_is_sic_major_group(group) for group in groups):
        raise ValueError('sic_groups must be a list of SIC major groups, whole numbers from 1 to 99.')
    return sorted({f'{int(group):02d}' for group in groups})


def _is_sic_major_group(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return 1 <= value <= 99
    return isinstance(value, str) and bool(_SIC_MAJOR_GROUP_RE.fullmatch(value)) and int(value) >= 1


def encode_answer(items, reveal_ids):
    """The flat D&B items of our items (their contacts are not sent)."""
    return [_item(item['company_data'], reveal_id) for item, reveal_id in zip(items, reveal_ids, strict=True)]


def _item(company, reveal_id):
    """The D&B item of one company_data: the fields of the map it has, with
    False sent as None (JSON null). The name is the legal one when known."""
    domain = company.get('domain')
    industries = company.get('industries') or ([company['sector']] if company.get('sector') else [])
    values = dict(
        company,
        reveal_id=reveal_id,
        name=company.get('legal_name') or company.get('name'),
        website=f'https://{domain}' if domain else None,
        phone=company.get('phone') or (company.get('phone_numbers') or [None])[0],
        industries=[['', label] for label in industries],
    )
    return {theirs: _sent(values[ours]) for ours, theirs in FIELDS if ours in values}


def _sent(value):
    return value if value or isinstance(value, list) else None


PROTOCOL = Protocol(
    code='dnb',
    path=PATH,
    request_context=('db_version', 'db_lang', 'country_code', 'reveal_ids'),
    encode_request=encode_request,
    decode_answer=decode_answer,
    gives_contacts=False,
    server_paths=(PATH,),
    read_request=read_request,
    encode_answer=encode_answer,
    credit_error_in_result=credit_error_in_result,
)
