"""A small, deterministic stand-in for Odoo's lead-mining IAP service.

It speaks both protocols of the service: Dun & Bradstreet
(``/api/dnb/1/search_by_criteria``: flat company items, no contacts, known
``reveal_ids`` left out and not charged) and the earlier Clearbit one
(``/iap/clearbit/2/lead_mining_request``: companies and contacts). Set
``protocols`` to serve only one of them (the other answers 404).

Tests start it in a thread and point ``reveal.endpoint`` and ``iap.endpoint``
at ``server.url``, so the addon talks real JSON-RPC over real HTTP. It is also
a standalone demo/benchmark server:

    python3 tests/lead_mining_server.py --port 8070 --balance 100000 --seed 1

Standard library only, and no odoo import: benchmarks use it outside Odoo.
All generated data is fictitious: ``.example`` domains, no logo URLs (test
browsers must not reach outside addresses).
"""
import argparse
import json
import random
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DNB_PATH = '/api/dnb/1/search_by_criteria'
CLEARBIT_PATH = '/iap/clearbit/2/lead_mining_request'
MINING_PATHS = {'dnb': DNB_PATH, 'clearbit': CLEARBIT_PATH}
BALANCE_PATH = '/iap/1/balance'
FAIL_MODES = (None, 'access', 'user', 'unknown', 'http_500', 'not_json', 'bad_envelope', 'no_result',
              'credit_error')
REMOTE_ERRORS = {  # fail_with -> (dotted exception name, message)
    'access': ('odoo.exceptions.AccessError', "Access denied to the lead mining service."),
    'user': ('odoo.exceptions.UserError', "The lead mining request is not valid."),
    'unknown': ('odoo.addons.fake_iap.models.GremlinError', "Something odd happened."),
}

# code: (name, phone prefix, timezone, cities, streets)
COUNTRIES = {
    'ES': ('Spain', '+34', 'Europe/Madrid', ['Málaga', 'Córdoba', 'A Coruña', 'Logroño'],
           ['Calle Mayor', 'Avenida de la Constitución', 'Plaza España']),
    'IT': ('Italy', '+39', 'Europe/Rome', ['Forlì', 'Cantù', 'Torino', 'Città di Castello'],
           ['Via Garibaldi', 'Corso Vittorio Emanuele', 'Piazza Duomo']),
    'DE': ('Germany', '+49', 'Europe/Berlin', ['München', 'Köln', 'Düsseldorf'],
           ['Hauptstraße', 'Bahnhofstraße']),
    'FR': ('France', '+33', 'Europe/Paris', ['Besançon', 'Orléans', 'Nîmes'],
           ['Rue de la République', 'Boulevard Émile Zola']),
    'BE': ('Belgium', '+32', 'Europe/Brussels', ['Liège', 'Namur', 'Gent'], ['Rue Haute', 'Kerkstraat']),
    'US': ('United States', '+1', 'America/New_York', ['Springfield', 'San José'], ['Main Street', 'Elm Street']),
}
NAME_FIRST = ['Nordwind', 'Solé', 'Bellavista', 'Peñalara', 'Alpenglück', 'Monteverde', 'Río Claro',
              'Lucciola', 'Brisa', 'Sonnenhof', 'Castañar', 'Aurora', 'Zefiro', 'Olivar']
NAME_SECOND = ['Logística', 'Tecnologie', 'Consulting', 'Diseño', 'Vini', 'Soluciones', 'Logistik',
               'Energía', 'Alimentari', 'Systems', 'Turismo', 'Moda', 'Construcciones', 'Software']
LEGAL_FORMS = {'ES': ['S.L.', 'S.A.'], 'IT': ['S.r.l.', 'S.p.A.'], 'DE': ['GmbH', 'AG'],
               'FR': ['SAS', 'SARL'], 'BE': ['SRL', 'NV'], 'US': ['Inc.', 'LLC']}
SECTORS = ['Logistics', 'Food & Beverage', 'Software', 'Tourism', 'Construction', 'Fashion', 'Energy']
FIRST_NAMES = ['José', 'María', 'Núria', 'Giulia', 'Niccolò', 'Jürgen', 'Chloé', 'Íñigo', 'Lucía', 'Marco']
LAST_NAMES = ['Núñez', 'Müller', 'García', 'Ricci', 'Peña', 'Dubois', 'Conti', 'Ibáñez', 'Schäfer']
SENIORITIES = ['director', 'executive', 'manager']
ROLES = ['ceo', 'sales', 'marketing', 'finance', 'operations', 'information_technology']


def ascii_slug(text):
    """'Río Claro' -> 'rio-claro': domains and e-mails stay plain ASCII."""
    text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    return '-'.join(''.join(c if c.isalnum() else ' ' for c in text.lower()).split())


def _words(identifier):
    return ' '.join(w[:1].upper() + w[1:] for w in identifier.split('_'))


class LeadMiningTestServer:

    def __init__(self, balance=1000, seed=0, host='127.0.0.1', port=0):
        self.balance = balance
        self.seed = seed
        self.requests = []  # [{'path': ..., 'params': ...}] of every POST received
        self._address = (host, port)
        self._lock = threading.Lock()
        self._served = 0  # companies handed out so far: next calls get new ones
        self._httpd = self._thread = None
        self.url = None
        self.reset()

    def reset(self):
        """Clear the failure switches and the request log (balance is kept)."""
        self.fail_with = None
        self.delay = 0
        self.malformed_items = 0
        self.company_overrides = {}
        self.balance_fails = False
        self.repeat_companies = False
        self.protocols = set(MINING_PATHS)
        with self._lock:
            self.requests = []

    @property
    def fail_with(self):
        return self._fail_with

    @fail_with.setter
    def fail_with(self, mode):
        # A typo must not silently turn into a passing "failure" test.
        if mode not in FAIL_MODES:
            raise ValueError(f"fail_with must be one of {FAIL_MODES}, not {mode!r}")
        self._fail_with = mode

    # -- lifecycle ----------------------------------------------------------

    def start(self):
        self._httpd = ThreadingHTTPServer(self._address, _Handler)
        self._httpd.daemon_threads = True  # a delayed answer must not block stop()
        self._httpd.fake = self
        host, port = self._httpd.server_address[:2]
        self.url = f'http://{host}:{port}'
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.1},
                                        name='lead-mining-test-server', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
            self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- service behaviour --------------------------------------------------

    def record(self, path, params):
        with self._lock:
            self.requests.append({'path': path, 'params': params})

    def handle(self, path, params):
        """Return (http_status, body) for one known route.

        body is a dict (merged into the JSON-RPC envelope) or raw bytes.
        """
        if path == BALANCE_PATH:
            return (500, b'Internal Server Error') if self.balance_fails else (200, {'result': self.balance})
        mode = self.fail_with
        if mode in REMOTE_ERRORS:
            return 200, {'error': _error(*REMOTE_ERRORS[mode])}
        if mode == 'http_500':
            return 500, b'Internal Server Error'
        if mode == 'not_json':
            return 200, b'<html><body>Maintenance in progress</body></html>'
        if mode == 'bad_envelope':
            return 200, {'result': {'credit_error': False}}
        if mode == 'no_result':
            return 200, {'result': {'data': [], 'credit_error': False}}
        if mode == 'credit_error':
            return 200, {'result': {'data': [], 'credit_error': True}}
        dnb = path == DNB_PATH
        data = (params or {}).get('query' if dnb else 'data')
        if not isinstance(data, dict) or not isinstance(data.get('lead_number'), int) \
                or data['lead_number'] < 0:
            return 200, {'error': _error('odoo.exceptions.UserError', "lead_number must be a positive integer.")}
        known = set((params or {}).get('reveal_ids') or []) if dnb else set()
        with self._lock:
            index = 0 if self.repeat_companies else self._served
            items = []
            while len(items) < data['lead_number']:
                # D&B leaves out the companies the database knows: not delivered, not charged.
                if not (dnb and self._duns(index) in known):
                    item = self._company_item(index, len(items), data)
                    items.append(self._dnb_item(index, item['company_data']) if dnb else item)
                index += 1
            cost = sum(1 + len(item.get('people_data') or []) for item in items)
            if cost > self.balance:
                return 200, {'error': _error('odoo.addons.iap.tools.iap_tools.InsufficientCreditError',
                                             f"Not enough credits: {cost} needed, {self.balance} left.")}
            self.balance -= cost
            if not self.repeat_companies:
                self._served = index
        broken = self._broken_dnb_items if dnb else self._broken_items
        for i, item in enumerate(broken(self.malformed_items)):
            items.insert((2 * i + 1) % (len(items) + 1), item)
        return 200, {'result': {'data': items, 'credit_error': False}}

    def _duns(self, index):
        return f'{self.seed % 100:02d}{index:07d}'

    def _dnb_item(self, index, company):
        """The flat D&B item of the same fictitious company."""
        sector = company['sector']
        item = {
            'duns': self._duns(index), 'name': company['legal_name'], 'domain': company['domain'],
            'website': f"www.{company['domain']}", 'phone': company['phone'],
            'street': f"{company['street_name']} {company['street_number']}", 'city': company['city'], 'zip': company['postal_code'],
            'state_code': company['state_code'] or None, 'country_code': company['country_code'],
            'employees': company['employees'], 'entity_type': 'Private company',
            'industry_code': str(100 + len(sector)), 'unspsc_codes': [[f'8{len(sector):07d}', sector]],
            'vat': f"{company['country_code']}{index:09d}",
            'estimated_annual_revenue': company['annual_revenue'],
        }
        item.update({key: value for key, value in self.company_overrides.items() if key in item})
        return item

    def _company_item(self, index, position, data):
        # Seeded per company, so company N is identical whatever the call order;
        # filters cycle on the position in this answer, so tests can predict them.
        rng = random.Random(f'{self.seed}:{index}')
        countries = [c for c in data.get('countries') or [] if isinstance(c, dict) and c.get('code')]
        country = countries[position % len(countries)] if countries else {'code': 'ES'}
        code = country['code'].upper()
        country_name, dial, tz, cities, streets = COUNTRIES.get(
            code, (code, '+00', 'UTC', ['Ciudad Central'], ['Main Street']))
        states = country.get('states') or []
        state_code = states[position % len(states)] if states else ''
        name = f'{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}'
        domain = f'{ascii_slug(name)}-{index:04d}.example'
        slug = ascii_slug(name)
        city, street, number = rng.choice(cities), rng.choice(streets), str(rng.randint(1, 250))
        low, high = data.get('company_size_min'), data.get('company_size_max')
        if low is None and high is None:
            employees = rng.randint(1, 5000)
        else:
            low = int(low or 1)
            employees = rng.randint(*sorted((low, int(high or max(low, 10000)))))
        industry_ids = data.get('industry_ids') or []
        sector = f'Industry {industry_ids[position % len(industry_ids)]}' if industry_ids else rng.choice(SECTORS)
        phones = [f'{dial} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}'
                  for _ in range(2)]
        revenue = rng.randint(1, 500) * 100000
        company = {
            'domain': domain, 'clearbit_id': f'fake-{self.seed}-{index:06d}',
            'name': name, 'legal_name': f"{name} {rng.choice(LEGAL_FORMS.get(code, ['Ltd']))}",
            'description': f'{name} is a fictitious company generated for tests.',
            'founded_year': rng.randint(1900, 2020), 'logo': False, 'company_type': 'private',
            'phone_numbers': phones, 'phone': phones[0],
            'email': [f'info@{domain}', f'sales@{domain}'],
            'timezone': tz, 'timezone_url': f'https://time.example/{ascii_slug(city)}',
            'facebook': slug, 'linkedin': f'company/{slug}', 'crunchbase': f'organization/{slug}',
            'twitter': slug.replace('-', '_'), 'twitter_bio': f'News from {name}.',
            'twitter_followers': rng.randint(0, 50000), 'twitter_location': city,
            'estimated_annual_revenue': f'${revenue // 1000000}M-${revenue // 1000000 + 10}M',
            'employees': employees, 'market_cap': rng.randint(0, 900) * 1000000, 'raised': rng.randint(0, 50) * 100000,
            'annual_revenue': revenue,
            'sector': sector, 'sector_primary': sector, 'industry': sector,
            'industry_group': sector, 'sub_industry': sector,
            'tag': [sector], 'tech': rng.sample(['nginx', 'odoo', 'postgresql', 'wordpress'], 2),
            'website_title': f'{name} | Official site',
            'location': f'{street} {number}, {city}', 'street_number': number, 'street_name': street,
            'sub_premise': '', 'postal_code': f'{rng.randint(1000, 99999):05d}', 'city': city,
            'state_code': state_code, 'state_name': state_code,
            'country_code': code, 'country_name': country_name,
        }
        company.update(self.company_overrides)
        people = []
        if data.get('search_type') == 'people':
            people = [self._person(rng, data, company['domain'], dial, n)
                      for n in range(int(data.get('contact_number', 1)))]
        return {'company_data': company, 'people_data': people}

    @staticmethod
    def _person(rng, data, domain, dial, n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roles = [r for r in [data.get('preferred_role')] + list(data.get('other_roles') or []) if r]
        role = roles[n % len(roles)] if roles else rng.choice(ROLES)
        seniority = data.get('seniority') or rng.choice(SENIORITIES)
        return {
            'full_name': f'{first} {last}',
            'email': f'{ascii_slug(first)}.{ascii_slug(last)}@{domain}',
            'phone': f'{dial} 6{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}',
            'seniority': seniority, 'title': f'{_words(role)} {_words(seniority)}', 'role': role,
        }

    @staticmethod
    def _broken_items(count):
        kinds = [
            {'people_data': []},  # no company_data
            {'company_data': 'not a dict', 'people_data': []},
            {'company_data': {'name': 'No Id Corp', 'domain': 'no-id.example'}, 'people_data': []},
            {'company_data': {'clearbit_id': 'fake-nameless'}, 'people_data': []},
            {'company_data': {'clearbit_id': 'fake-bad-people', 'name': 'Bad People Ltd'},
             'people_data': 'nobody'},
            'just a string',
            # Well-formed, but no lead can be made of it.
            {'company_data': {'clearbit_id': 'fake-bad-website', 'name': 'Bad Website Ltd', 'website': 'http://[oops'},
             'people_data': []},
        ]
        return [kinds[i % len(kinds)] for i in range(count)]

    @staticmethod
    def _broken_dnb_items(count):
        kinds = [
            {'name': 'No Duns GmbH', 'domain': 'no-duns.example'},
            {'duns': '990000001'},  # no name
            {'duns': '990000002', 'name': 'Bad Size AG', 'employees': 'many'},
            {'duns': '990000003', 'name': 'Bad Codes SL', 'unspsc_codes': 'software'},
            {'duns': '990000004', 'name': 42},
            'just a string',
            {'duns': '990000005', 'name': 'Bad Website BV', 'website': 'http://[oops'},  # unparsable
        ]
        return [kinds[i % len(kinds)] for i in range(count)]


def _error(name, message):
    """A JSON-RPC error shaped like Odoo's (code 200, 'Odoo Server Error')."""
    return {'code': 200, 'message': 'Odoo Server Error',
            'data': {'name': name, 'message': message, 'arguments': [message], 'context': {}}}


class _Handler(BaseHTTPRequestHandler):

    def do_POST(self):
        fake = self.server.fake
        try:
            request = json.loads(self.rfile.read(int(self.headers.get('Content-Length') or 0)))
        except ValueError:
            request = None
        params = request.get('params') if isinstance(request, dict) else None
        fake.record(self.path, params)
        served = {MINING_PATHS[code] for code in fake.protocols} | {BALANCE_PATH}
        if self.path not in served:
            return self._send(404, b'<html><body><h1>404: Not Found</h1></body></html>')
        if not isinstance(request, dict):
            return self._send(400, b'Bad Request: expected a JSON-RPC object')
        try:
            status, body = fake.handle(self.path, params)
        except Exception as exc:  # noqa: BLE001 - report like Odoo does, never drop the connection
            status, body = 200, {'error': _error(f'builtins.{type(exc).__name__}', str(exc))}
        if fake.delay:
            time.sleep(fake.delay)  # the work (and debit) is done; only the answer is late
        if isinstance(body, dict):
            body = json.dumps({'jsonrpc': '2.0', 'id': request.get('id'), **body}).encode()
            return self._send(status, body, 'application/json')
        self._send(status, body)

    def do_GET(self):
        self._send(404, b'Not Found')

    def _send(self, status, body, content_type='text/html; charset=utf-8'):
        try:
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        # The client gave up (timeout tests): there is nobody left to answer.
        except (BrokenPipeError, ConnectionResetError):  # pylint: disable=except-pass
            pass

    def log_message(self, format, *args):
        pass  # keep test and benchmark output clean


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8070)
    parser.add_argument('--balance', type=float, default=100000)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    server = LeadMiningTestServer(balance=args.balance, seed=args.seed, host=args.host, port=args.port)
    server.start()
    print(f'Lead mining test server on {server.url} (Ctrl-C to stop)', flush=True)  # pylint: disable=print-used  # a command-line tool
    try:
        while server._thread.is_alive():
            server._thread.join(0.5)
    except KeyboardInterrupt:  # pylint: disable=except-pass  # Ctrl-C is how a user stops it
        pass
    finally:
        server.stop()


if __name__ == '__main__':
    main()
