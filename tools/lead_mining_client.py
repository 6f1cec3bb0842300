"""Client for Odoo's lead-mining IAP service (JSON-RPC 2.0 over HTTP).

Deliberately free of ORM code: the Odoo layer reads the endpoints, token and
database UUID from the configuration and hands them over, which keeps this
module testable against a plain HTTP server.

The account token travels in the request body only; nothing here logs request
parameters or puts them in exception messages.
"""
import logging
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

_logger = logging.getLogger(__name__)

BALANCE_PATH = '/iap/1/balance'
# Seconds for resolving the service's name and connecting to it, together:
# a dead host or a silent DNS server must not hold the user for the whole
# (long) mining timeout. The system resolver has no timeout of its own.
CONNECT_DEADLINE = 15
# requests >= 2.27 only (Odoo 17 still supports 2.25); ``except ()`` matches nothing.
_INVALID_JSON = getattr(requests.exceptions, 'InvalidJSONError', ())


class LeadMiningError(Exception):
    """Base error. ``message`` is plain English; the Odoo layer shows its own
    translated text per ``error_type`` and may append ``message``."""
    error_type = 'error'
    maybe_charged = False

    def __init__(self, message, *, maybe_charged=None, remote_name=None, status_code=None):
        super().__init__(message)
        self.message = message
        self.remote_name = remote_name  # dotted exception name sent by the service
        self.status_code = status_code  # HTTP status, when one was received
        if maybe_charged is not None:
            self.maybe_charged = maybe_charged


class InsufficientCreditsError(LeadMiningError):
    error_type = 'credits'


class ServiceAccessError(LeadMiningError):
    error_type = 'access'


class ServiceUserError(LeadMiningError):
    error_type = 'user'


class ServiceRemoteError(LeadMiningError):
    error_type = 'remote'


class ServiceUnreachableError(LeadMiningError):
    """No usable connection. ``maybe_charged`` is True when the connection
    dropped after the request went out (the service may have done the work)."""
    error_type = 'unreachable'


class ServiceTimeoutError(LeadMiningError):
    error_type = 'timeout'


class ServiceHTTPError(LeadMiningError):
    error_type = 'http'


class ProtocolError(LeadMiningError):
    error_type = 'protocol'


class ProtocolMismatchError(ProtocolError):
    """The endpoint answered with a 404 or a web page: it does not speak the
    protocol it was called with (nothing was done, nothing charged).
    ``url`` is the endpoint, without credentials."""

    def __init__(self, message, *, url, **kwargs):
        super().__init__(message, maybe_charged=False, **kwargs)
        self.url = url


# Remote exception names are dotted Python paths; only the last part matters.
_REMOTE_ERRORS = {
    'InsufficientCreditError': InsufficientCreditsError,
    'AccessError': ServiceAccessError,
    'UserError': ServiceUserError,
}



class LeadMiningClient:
    """Talks to the lead-mining (reveal) and IAP balance endpoints.

    Every service or network failure is raised as a LeadMiningError subclass;
    only a payload that cannot be serialised to JSON (a caller bug) escapes.
    """

    def __init__(self, reveal_endpoint, iap_endpoint, account_token, dbuuid,
                 timeout=300, balance_timeout=5, session=None):
        self.reveal_endpoint = (reveal_endpoint or '').rstrip('/')
        self.iap_endpoint = (iap_endpoint or '').rstrip('/')
        self._account_token = account_token  # private: keep it out of reprs/debuggers
        self.dbuuid = dbuuid
        self.timeout = timeout
        self.balance_timeout = balance_timeout
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        # Seconds spent in each phase of the last call (0 on a reused connection).
        self.timings = {}
        adapter = DeadlineAdapter(self.timings)
        self.session.mount('http://', adapter)
        self.session.mount('https://', adapter)

    def close(self):
        if self._owns_session:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- public API ---------------------------------------------------------

    def mine(self, protocol, query, **context):
        """Ask for companies matching ``query`` in ``protocol`` (a
        `protocols.Protocol`); return a MiningResult.

        ``context`` is what the protocol sends besides the query (the names
        of its ``request_context``): e.g. ``reveal_ids`` for D&B.
        """
        params = protocol.encode_request(query, account_token=self._account_token, db_uuid=self.dbuuid, **context)
        result = self._call(self.reveal_endpoint + protocol.path, params, self.timeout, debits=True)
        if isinstance(result, dict) and result.get('credit_error'):
            # The service may flag missing credits in the result instead of an error.
            raise InsufficientCreditsError("Not enough credits for this lead mining request.")
        if not isinstance(result, dict) or not isinstance(result.get('data'), list):
            raise ProtocolError("The lead mining service answered without a list of companies.",
                                maybe_charged=True)
        return protocol.decode_answer(result['data'])

    def get_balance(self, service_name='reveal'):
        """Return the credits left on the account for ``service_name``."""
        params = {'dbuuid': self.dbuuid, 'account_token': self._account_token,
                  'service_name': service_name}
        result = self._call(self.iap_endpoint + BALANCE_PATH, params, self.balance_timeout, debits=False)
        # bool is an int subclass, but True is not a balance.
        if isinstance(result, bool) or not isinstance(result, (int, float)):
            raise ProtocolError("The credit balance returned by the service is not a number.")
        return float(result)

    # -- transport ----------------------------------------------------------

    def _call(self, url, params, timeout, debits):
        """POST one JSON-RPC call and return its ``result``.

        ``debits`` tells whether the call can consume credits: only then may a
        failure after sending be reported as ``maybe_charged``.
        """
        path, shown = _describe(url)
        self.timings.update(resolving=0.0, connecting=0.0)
        started = time.monotonic()
        try:
            result = self._exchange(url, shown, params, timeout, debits)
        except LeadMiningError as exc:
            _logger.info("IAP %s failed (%s) after %s", path, exc.error_type, self._phases(started))
            raise
        _logger.info("IAP %s answered after %s", path, self._phases(started))
        return result

    def _phases(self, started):
        """"12.00s (resolving 0.01s, connecting 11.99s, reading 0.00s)": where the time went."""
        total = time.monotonic() - started
        resolving, connecting = self.timings['resolving'], self.timings['connecting']
        reading = max(total - resolving - connecting, 0.0)
        return (f"{total:.2f}s (resolving {resolving:.2f}s, connecting {connecting:.2f}s, "
                f"sending and reading {reading:.2f}s)")

    def _exchange(self, url, shown, params, timeout, debits):
        envelope = {'jsonrpc': '2.0', 'method': 'call', 'params': params, 'id': uuid.uuid4().hex}
        try:
            response = self.session.post(
                url, json=envelope, timeout=(min(timeout, CONNECT_DEADLINE), timeout))
        except _INVALID_JSON:
            raise  # a caller bug (unserialisable payload), not a service failure
        except requests.exceptions.ConnectTimeout:
            # Nothing was sent: the service is out of reach, not slow.
            raise ServiceUnreachableError(
                f"Could not connect to {shown} within {min(timeout, CONNECT_DEADLINE):.0f} seconds.") from None
        except requests.exceptions.Timeout:
            raise ServiceTimeoutError(f"{shown} did not answer within {timeout} seconds.",
                                      maybe_charged=debits) from None
        except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                requests.exceptions.InvalidURL):
            raise ServiceUnreachableError(f"Invalid service address: {shown!r}.") from None
        except requests.exceptions.ConnectionError as exc:
            sent = _dropped_after_sending(exc)
            raise ServiceUnreachableError(
                f"The connection to {shown} was lost." if sent else f"Could not connect to {shown}.",
                maybe_charged=debits and sent) from None
        except requests.exceptions.RequestException:
            # e.g. a broken chunked body: the request went out, the answer got lost.
            raise ServiceUnreachableError(f"The answer from {shown} could not be read.",
                                          maybe_charged=debits) from None

        status = response.status_code
        if status == 404 or _is_web_page(response):
            raise ProtocolMismatchError(f"{shown} does not speak this protocol (HTTP status {status}).",
                                        url=shown, status_code=status)
        if not 200 <= status < 300:
            # 502/504 mean a proxy gave up waiting, not that the backend did.
            raise ServiceHTTPError(f"{shown} answered with HTTP status {status}.",
                                   status_code=status, maybe_charged=debits and status in (502, 504))
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or ('result' not in body and 'error' not in body):
            # The service answered 2xx, so it may well have done (and billed) the work.
            raise ProtocolError(f"{shown} did not answer with a JSON-RPC response.",
                                status_code=status, maybe_charged=debits)
        if 'error' in body:
            raise _remote_error(body['error'])
        return body['result']


def _resolve(host, port, timeout):
    """getaddrinfo() within `timeout` seconds: it runs in a thread of its own,
    left behind (it ends when the system resolver gives up) if too slow."""
    outcome = {}

    def run():
        try:
            outcome['addresses'] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as exc:
            outcome['error'] = exc

    thread = threading.Thread(target=run, name=f'lead-mining-resolve-{host}', daemon=True)
    thread.start()
    thread.join(max(timeout, 0))
    if thread.is_alive():
        raise socket.timeout(f"resolving {host} took more than {timeout:.0f} seconds")
    if 'error' in outcome:
        raise outcome['error']
    return outcome['addresses']


class _DeadlineConnectionMixin:
    """A connection whose name resolution and connection share one deadline
    (the connect timeout): each address of the name gets what is left."""

    timings = None  # the client's, set by DeadlineAdapter

    def _new_conn(self):
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else CONNECT_DEADLINE
        started = time.monotonic()
        deadline = started + timeout
        try:
            try:
                addresses = _resolve(self._dns_host, self.port, timeout)
            finally:
                self.timings['resolving'] = time.monotonic() - started
            connecting = time.monotonic()
            try:
                return self._connect_before(addresses, deadline)
            finally:
                self.timings['connecting'] = time.monotonic() - connecting
        except socket.timeout as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out ({exc}).") from None
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from None

    def _connect_before(self, addresses, deadline):
        error = None
        for family, socktype, proto, _name, address in addresses:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock = socket.socket(family, socktype, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.settimeout(left)
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        if isinstance(error, socket.timeout) or error is None:
            raise socket.timeout(f"no address of {self.host} answered in time")
        raise error


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections of `_DeadlineConnectionMixin`
    reporting their timings in `timings` (a dict of the client)."""

    def __init__(self, timings, **kwargs):
        attributes = {'timings': timings}
        http = type('HTTPConnection', (_DeadlineConnectionMixin, HTTPConnection), attributes)
        https = type('HTTPSConnection', (_DeadlineConnectionMixin, HTTPSConnection), attributes)
        self._pool_classes = {
            'http': type('HTTPConnectionPool', (HTTPConnectionPool,), {'ConnectionCls': http}),
            'https': type('HTTPSConnectionPool', (HTTPSConnectionPool,), {'ConnectionCls': https}),
        }
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        result = super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes
        return result


def _remote_error(error):
    """Turn a JSON-RPC ``error`` object into the matching exception.

    The service rejected the call, so nothing was debited.
    """
    if not isinstance(error, dict):
        return ProtocolError("The service sent an unreadable error.")
    data = error.get('data') if isinstance(error.get('data'), dict) else {}
    name = str(data.get('name') or '')
    message = str(data.get('message') or error.get('message') or 'Unknown error')
    exc_class = _REMOTE_ERRORS.get(name.rpartition('.')[2], ServiceRemoteError)
    if exc_class is ServiceRemoteError and name:
        message = f"{name}: {message}"
    return exc_class(message, remote_name=name or None)



def _is_web_page(response):
    """An HTML page where a JSON-RPC answer was expected (a website, a proxy's
    error page); a 5xx page is an outage, not a wrong protocol."""
    if response.status_code >= 500:
        return False
    content_type = response.headers.get('Content-Type', '').lower()
    return 'html' in content_type or response.content.lstrip()[:1] == b'<'


def _dropped_after_sending(exc):
    """True when a requests ConnectionError happened after the request left.

    urllib3 reports connection-level failures during request/response as its
    ProtocolError ("Connection aborted."); refused/DNS/SSL failures, and
    anything else (e.g. Odoo's test BlockedRequest), happen before sending.
    """
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, 'reason', reason)  # unwrap urllib3's MaxRetryError
    return isinstance(reason, urllib3.exceptions.ProtocolError)


def _describe(url):
    """(path for the logs, URL without user:password for messages)."""
    without_credentials = url.rpartition('@')[2]  # crude, only used for broken URLs
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # malformed URL: requests rejects it as well
        return '(invalid URL)', without_credentials
    if not parts.hostname:
        return parts.path, without_credentials
    host = parts.hostname + (f':{port}' if port else '')
    return parts.path, f'{parts.scheme}://{host}{parts.path}'
