"""What our lead-mining service answers besides the protocols' items (see
`protocols/`): errors, balance and envelopes shaped like Odoo's IAP.

Odoo's IAP client (`iap_tools.iap_jsonrpc`, and ours in
`lead_mining_client.py`) reads a JSON-RPC 2.0 answer and, on error, only
``error.data.name`` (its last dotted part picks the exception) and
``error.data.message``. No ORM here.
"""
import hashlib

BALANCE_PATH = '/iap/1/balance'
CREDIT_PATH = '/iap/1/credit'  # the Buy credits page (iap.account.get_credits_url)

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


MAX_JSON_DEPTH = 16  # a lead-mining call nests 4 deep: room to spare, far from Python's recursion limit


def too_deep(value, limit=MAX_JSON_DEPTH):
    """Whether the JSON `value` nests lists and objects deeper than `limit`
    (checked without recursion: what reads it later recurses)."""
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if items is None:
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return False


def jsonrpc_id(call):
    """The id to answer a call with: JSON-RPC ids are texts, numbers or null."""
    call_id = call.get('id') if isinstance(call, dict) else None
    return call_id if isinstance(call_id, (str, int, float)) and not isinstance(call_id, bool) else None


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
