"""The server side of the lead-mining protocols: answers shaped like Odoo's IAP.

Odoo's IAP client (`iap_tools.iap_jsonrpc`, and ours in
`lead_mining_client.py`) reads a JSON-RPC 2.0 answer and, on error, only
``error.data.name`` (its last dotted part picks the exception) and
``error.data.message``. No ORM here.
"""
import hashlib

BALANCE_PATH = '/iap/1/balance'
CREDIT_PATH = '/iap/1/credit'  # the Buy credits page (iap.account.get_credits_url)
CLEARBIT_PATHS = ('/iap/clearbit/1/lead_mining_request', '/iap/clearbit/2/lead_mining_request')

# kind -> the dotted name Odoo's service sends
ERROR_NAMES = {
    'credits': 'odoo.addons.iap.tools.iap_tools.InsufficientCreditError',
    'access': 'odoo.exceptions.AccessError',
    'user': 'odoo.exceptions.UserError',
}


class ServiceRefusal(Exception):
    """A call the service refuses: nothing delivered, nothing charged.

    ``kind`` is a key of ERROR_NAMES; ``outcome`` is what the audit log
    records. ``message`` is plain English: it goes to another database.
    """

    def __init__(self, kind, outcome, message):
        super().__init__(message)
        self.kind = kind
        self.outcome = outcome
        self.message = message


def hash_token(token):
    """What we store of a client's token (the token itself is never kept)."""
    return hashlib.sha256(token.encode()).hexdigest()


def jsonrpc_result(call_id, result):
    return {'jsonrpc': '2.0', 'id': call_id, 'result': result}


def jsonrpc_error(call_id, kind, message):
    """An error shaped like the one Odoo's JSON-RPC layer sends."""
    return {'jsonrpc': '2.0', 'id': call_id, 'error': {
        'code': 200, 'message': 'Odoo Server Error',
        'data': {'name': ERROR_NAMES[kind], 'message': message, 'arguments': [message], 'context': {}},
    }}


def dnb_item(company_data, reveal_id):
    """The flat D&B item of one `company_data` (see `_to_service_data`)."""
    sector = company_data.get('sector')
    return {
        'duns': reveal_id,
        'name': company_data.get('legal_name') or company_data.get('name'),
        'domain': company_data.get('domain') or None,
        'website': f"https://{company_data['domain']}" if company_data.get('domain') else None,
        'phone': (company_data.get('phone_numbers') or [None])[0],
        'street': company_data.get('location') or None,
        'city': company_data.get('city') or None,
        'zip': company_data.get('postal_code') or None,
        'state_code': company_data.get('state_code') or None,
        'country_code': company_data.get('country_code') or None,
        'employees': company_data.get('employees') or None,
        'estimated_annual_revenue': company_data.get('estimated_annual_revenue') or None,
        'unspsc_codes': [['', sector]] if sector else [],
    }
