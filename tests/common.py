import base64
import csv
import importlib.util
import io
import os
import socket
import time
import uuid
import zipfile
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from odoo import SUPERUSER_ID, api, fields
from odoo.addons.crm.tests.common import TestCrmCommon
from odoo.addons.iap.tests.common import MockIAPEnrich
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase
from odoo.tools import file_open

from ..models import crm_iap_lead_provider_iap as iap_provider
from ..models.crm_iap_lead_service_client import SERVICE_PARAM
from .lead_mining_server import MINING_PATHS, LeadMiningTestServer

ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class LeadMiningServerMixin:
    """Starts the loopback lead-mining service and points Odoo at it.

    Both `reveal.endpoint` (mining) and `iap.endpoint` (balance) go to the
    same server: tests reach it over real HTTP on 127.0.0.1.
    """

    @classmethod
    def _start_lead_mining_server(cls, balance=1000):
        cls.lead_mining_server = LeadMiningTestServer(balance=balance, seed=17).start()
        cls.addClassCleanup(cls.lead_mining_server.stop)
        # Answers of the service are committed at once (see crm.iap.lead.mining.answer):
        # leave the database as the tests found it.
        with cls.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_iap_lead_mining_answer")
            last_answer_id = cr.fetchone()[0]
        cls.addClassCleanup(cls._delete_answers_after, last_answer_id)
        cls._point_endpoints_at(cls.lead_mining_server.url)

    @classmethod
    def _delete_answers_after(cls, answer_id):
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM crm_iap_lead_mining_answer WHERE id > %s", (answer_id,))

    @classmethod
    def _point_endpoints_at(cls, url):
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("reveal.endpoint", url)
        params.set_param("iap.endpoint", url)
        iap_provider._balance_cache.clear()

    def _use_protocol(self, code):
        """Talk `code` ("dnb", the default, or "clearbit") to the service."""
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.iap_protocol", code)

    def _mining_calls(self):
        """The search calls the service received, in either protocol."""
        paths = set(MINING_PATHS.values())
        return [call for call in self.lead_mining_server.requests if call["path"] in paths]

    def setUp(self):
        super().setUp()
        self.lead_mining_server.reset()
        self.lead_mining_server.balance = 1000
        iap_provider._balance_cache.clear()


class MockIAPReveal(LeadMiningServerMixin, MockIAPEnrich):
    """Kept under the stock name: Odoo's `test_crm_full` imports it.

    Unlike the stock helper it patches nothing: `mock_IAP_mine` configures
    the loopback service, and requests really travel over HTTP.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_lead_mining_server()
        cls._new_leads = cls.env["crm.lead"].sudo()

    @contextmanager
    def mock_IAP_mine(self, mine, name_list=None, default_data=None, sim_error=None):
        server = self.lead_mining_server
        server.reset()
        server.company_overrides = dict(default_data or {})
        if sim_error == "credit":
            server.balance = 0
        elif sim_error == "jsonrpc_exception":
            server.fail_with = "access"
        elif sim_error == "no_result":
            server.fail_with = "no_result"
        known = self.env["crm.lead"].sudo().with_context(active_test=False).search([]).ids
        yield
        self._new_leads = self.env["crm.lead"].sudo().with_context(active_test=False).search(
            [("id", "not in", known)]
        )


class LeadMiningCase(LeadMiningServerMixin, TestCrmCommon):
    """CRM fixtures (users, teams) plus the loopback service and a request factory."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_lead_mining_server()
        cls.tags = cls.env["crm.tag"].create([{"name": "Mined"}, {"name": "Spain 2026"}])
        cls.country_es = cls.env.ref("base.es")
        cls.country_it = cls.env.ref("base.it")
        cls.country_us = cls.env.ref("base.us")
        # The first-use acknowledgement has its own test (test_gdpr).
        (cls.user_sales_manager | cls.user_sales_leads | cls.user_sales_salesman).lead_mining_gdpr_ack_date = "2026-01-01"

    def _new_request(self, **values):
        """A draft request of the sales manager, assigning to a salesman."""
        defaults = {
            "provider": "iap",
            "lead_number": 3,
            "search_type": "companies",
            "lead_type": "opportunity",
            "country_ids": [(6, 0, self.country_es.ids)],
            "team_id": self.sales_team_1.id,
            "user_id": self.user_sales_salesman.id,
            "tag_ids": [(6, 0, self.tags.ids)],
        }
        defaults.update(values)
        return self.env["crm.iap.lead.mining.request"].with_user(self.user_sales_manager).create(defaults)


class DirectoryCase(LeadMiningCase):
    """A small, known directory and 100 credits for the manager's company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["crm.iap.lead.directory.company"]
        # Demo data may hold other directory companies: keep only ours in play.
        Company.search([]).active = False
        cls.software = cls.env.ref("crm_iap_mine.crm_iap_mine_industry_165")
        cls.media = cls.env.ref("crm_iap_mine.crm_iap_mine_industry_86")
        cls.role_sale = cls.env.ref("crm_iap_mine.crm_iap_mine_role_22")
        cls.role_finance = cls.env.ref("crm_iap_mine.crm_iap_mine_role_7")
        cls.director = cls.env.ref("crm_iap_mine.crm_iap_mine_seniority_1")
        cls.madrid = cls.env.ref("base.state_es_m")
        cls.barcelona = cls.env.ref("base.state_es_b")

        def company(number, country, industry, employees, state=False, contacts=()):
            return {
                "name": f"Directory Co {number:02d}",
                "domain": f"https://www.dirco{number:02d}.example/",
                "emails": f"info@dirco{number:02d}.example",
                "country_id": country.id, "state_id": state and state.id,
                "industry_id": industry.id, "employees": employees,
                "contact_ids": [(0, 0, dict(contact, email=f"p{index}@dirco{number:02d}.example"))
                                for index, contact in enumerate(contacts)],
            }
        seller = {"name": "Lucía Sales", "role_id": cls.role_sale.id, "seniority_id": cls.director.id}
        banker = {"name": "Marco Money", "role_id": cls.role_finance.id}
        cls.directory = Company.create(
            [company(n, cls.country_es, cls.software, 50, cls.madrid, [seller, banker]) for n in range(1, 11)]
            + [company(n, cls.country_es, cls.media, 500, cls.barcelona, [banker]) for n in range(11, 16)]
            + [company(n, cls.country_it, cls.software, 5, False, [seller]) for n in range(16, 21)]
        )
        ledger = cls.env["crm.iap.lead.credit.line"]
        # Whatever demo data left, start from 100 credits.
        balance = ledger._get_balance(cls.env.company, "directory")
        ledger._record(cls.env.company, "directory", [(100 - balance, "adjustment")], reference="T1")

    def _directory_request(self, **values):
        return self._new_request(provider="directory", **values)

    def _balance(self):
        return self.env["crm.iap.lead.credit.line"]._get_balance(self.env.company, "directory")


BIG = 250  # above the 200 that run at once


class BackgroundCase(DirectoryCase):
    """A directory big enough for background requests, in batches of 100."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_jp = cls.env.ref("base.jp")
        cls.big_directory = create_directory_companies(cls.env, "Big Co", cls.country_jp, BIG + 30)
        cls.env["ir.config_parameter"].set_param("crm_iap_mine.background_batch_size", 100)
        ledger = cls.env["crm.iap.lead.credit.line"]
        ledger._record(cls.env.company, "directory", [(1000 - ledger._get_balance(cls.env.company, "directory"), "adjustment")])

    def _big_request(self, **values):
        return self._directory_request(lead_number=BIG, country_ids=[(6, 0, self.country_jp.ids)], **values)

    def _ledger(self, request):
        lines = self.env["crm.iap.lead.credit.line"].sudo().search([("request_id", "=", request.id)])
        return {reason: sum(lines.filtered(lambda line, r=reason: line.reason == r).mapped("amount"))
                for reason in set(lines.mapped("reason"))}

    def _run_one_batch(self):
        request = self.env["crm.iap.lead.mining.request"].sudo()._lock_next_background_request()
        request.with_user(request.requester_id)._mine_next_batch()
        return request


class RecurringCase(BackgroundCase):

    def _schedule(self, **values):
        values.setdefault("country_ids", [(6, 0, self.country_jp.ids)])
        request = self._directory_request(is_recurring=True, recurrence_interval="weekly", lead_number=5, **values)
        request.action_submit()
        return request

    def _run_due(self, schedule):
        """Make the schedule due and run the cron, as time passing would."""
        schedule.sudo().next_run_date = fields.Datetime.now() - timedelta(minutes=1)
        self.env["crm.iap.lead.mining.request"].sudo()._cron_run_recurring_requests(autocommit=False)
        return schedule.run_ids.sorted("id")[-1:]


class CommittedCompanyMixin:
    """A company of its own, committed, for tests that need real commits
    (concurrent cursors, the cron's per-batch commits).

    Its cleanup is registered before anything is created and deletes
    whatever exists, so a failing test (or a failing setUp) leaves nothing
    behind and the next run on the same database starts clean.
    """

    def _create_committed_company(self, name, country):
        self.company_id = None
        self.addCleanup(self._drop_committed_company)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": f"{name} {uuid.uuid4().hex[:8]}", "country_id": country.id})
            self.company_id = company.id
        return company.id

    def _drop_committed_company(self):
        if not self.company_id:
            return
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            company = env["res.company"].browse(self.company_id).exists()
            if not company:
                return
            in_company = [("company_id", "=", company.id)]
            # Work left waiting would forbid deleting the requests.
            cr.execute("UPDATE crm_iap_lead_mining_request SET state = 'cancel', held_credits = 0 WHERE company_id = %s",
                       (company.id,))
            env["crm.lead"].search(in_company).unlink()
            env["crm.iap.lead.credit.line"].search(in_company).unlink()
            env["crm.iap.lead.mining.request"].search(in_company).unlink()
            env["crm.iap.lead.directory.company"].search(in_company).unlink()
            cr.execute("DELETE FROM crm_iap_lead_credit_balance WHERE company_id = %s", (company.id,))
            partner = company.partner_id
            company.unlink()
            partner.unlink()

    @contextmanager
    def _env(self):
        """An environment on a new cursor: committed on exit, rolled back
        (never committed) when an exception goes through."""
        context = {"allowed_company_ids": [self.company_id]} if self.company_id else {}
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, context)

    def _add_directory(self, env, prefix, country, count):
        """`count` directory companies of the committed company (see create_directory_companies)."""
        return create_directory_companies(env, prefix, country, count, company_id=self.company_id)

    def _create_request(self, env, lead_number, country="base.jp"):
        """A directory request of the committed company, for no team or salesperson."""
        return env["crm.iap.lead.mining.request"].create({
            "provider": "directory", "company_id": self.company_id, "lead_number": lead_number,
            "country_ids": [(6, 0, env.ref(country).ids)], "user_id": False, "team_id": False,
        })


@contextmanager
def dead_host():
    """The port of a loopback listener whose queue is full: connecting to it
    hangs as to a host that is down (the SYN goes unanswered)."""
    listener = socket.socket()
    fillers = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _n in range(3):
            filler = socket.socket()
            fillers.append(filler)
            filler.setblocking(False)
            # In progress, not refused: the connection fills the queue.
            filler.connect_ex(("127.0.0.1", port))
        time.sleep(0.2)
        yield port
    finally:
        for sock in fillers + [listener]:
            sock.close()


def create_directory_companies(env, prefix, country, count, **values):
    """`count` directory companies of `country`, named "<prefix> 000",
    "<prefix> 001"... on the domains <prefix>000.example... (the prefix in
    lower case without spaces); `values` are given to each."""
    slug = prefix.lower().replace(" ", "")
    return env["crm.iap.lead.directory.company"].create([{
        "name": f"{prefix} {n:03d}", "domain": f"{slug}{n:03d}.example", "country_id": country.id, **values,
    } for n in range(count)])


def load_migration(version, script):
    """The module of one of this addon's migration scripts (their file names
    are no module names), to test what an upgrade runs."""
    path = Path(__file__).parent.parent / "migrations" / version / f"{script}.py"
    spec = importlib.util.spec_from_file_location(f"crm_iap_mine_migration_{script.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Register files in the published formats, and the administrator who imports them.
SAMPLES = "crm_iap_mine/tests/data/registers/"
UK_JANUARY = SAMPLES + "gb_companies_house_2026-01.csv"
UK_FEBRUARY = SAMPLES + "gb_companies_house_2026-02.csv"
FR_ESTABLISHMENTS = SAMPLES + "fr_sirene_StockEtablissement.csv"
FR_UNITS = SAMPLES + "fr_sirene_StockUniteLegale.csv"


def _read(path):
    with file_open(path, "rb") as sample:
        return sample.read()


def _zipped(content, name="BasicCompanyDataAsOneFile-2026-02-01.csv"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def _sample(path):
    """(header, rows as dicts) of a sample file, to be changed and written back."""
    reader = csv.reader(io.StringIO(_read(path).decode("utf-8-sig")))
    header = next(reader)
    return header, [dict(zip(header, row)) for row in reader]


def _uk_file(companies):
    """A Companies House file (published format) of `companies`: dicts of
    number, name, zip, post town."""
    header, rows = _sample(UK_JANUARY)
    template = rows[0]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    for company in companies:
        row = dict(template, **{
            "CompanyName": company["name"], " CompanyNumber": company["number"],
            "CompanyNumber": company["number"], "RegAddress.PostCode": company["zip"],
            "RegAddress.PostTown": company.get("city", "LONDON"),
            "URI": f"http://business.data.gov.uk/id/company/{company['number']}",
        })
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode()


def _brreg_json(rows):
    """The CSV sample's units as data.brreg.no's JSON gives them: nested
    objects, booleans, numbers, address lines as a list, empty fields left out."""
    elements = []
    for row in rows:
        element = {}
        for column, value in row.items():
            if value == "":
                continue
            if value in ("true", "false"):
                value = value == "true"
            elif column == "antallAnsatte" and value.isdigit():
                value = int(value)
            elif column.endswith(".adresse"):
                value = [value]
            *parents, key = column.split(".")
            target = element
            for parent in parents:
                target = target.setdefault(parent, {})
            target[key] = value
        elements.append(element)
    return elements


class RegisterImportCase(DirectoryCase):
    """Imports write the shared directory: an administrator runs them, the
    tests' users (sales managers) mine what they imported."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_register_admin = mail_new_test_user(
            cls.env, login="user_register_admin", name="Register Admin",
            groups="base.group_user,sales_team.group_sale_manager,base.group_system",
        )

    @property
    def imports(self):
        """The import model, as the administrator."""
        return self.env["crm.iap.lead.register.import"].with_user(self.user_register_admin)

    def _import(self, content, register="gb_companies_house", file_name="upload.csv", scope="partial"):
        run = self.imports.create({
            "register_code": register, "file": base64.b64encode(content), "file_name": file_name,
            "file_scope": scope,
        })
        run.action_import()
        return run

    def _queue(self, content, scope="partial"):
        run = self.imports.create({
            "register_code": "gb_companies_house", "file": base64.b64encode(content), "file_scope": scope,
        })
        run.action_queue()
        return run

    def _by_number(self, register):
        return {company.register_number: company for company in self._register_companies(register)}

    def _register_companies(self, register="gb_companies_house"):
        Company = self.env["crm.iap.lead.directory.company"].with_context(active_test=False)
        return Company.search([("register_code", "=", register)])


class LeadMiningServiceCase(HttpCase):
    """The lead-mining service turned on, over a directory emptied of every
    company but those the test creates (`cls.Company`)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(SERVICE_PARAM, "True")
        cls.Company = cls.env["crm.iap.lead.directory.company"]
        cls.Company.search([]).active = False
