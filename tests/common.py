import importlib.util
import uuid
from contextlib import contextmanager
from pathlib import Path

from odoo import SUPERUSER_ID, api
from odoo.addons.crm.tests.common import TestCrmCommon
from odoo.addons.iap.tests.common import MockIAPEnrich

from ..models import crm_iap_lead_provider_iap as iap_provider
from .lead_mining_server import MINING_PATHS, LeadMiningTestServer


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


def load_migration(version, script):
    """The module of one of this addon's migration scripts (their file names
    are no module names), to test what an upgrade runs."""
    path = Path(__file__).parent.parent / "migrations" / version / f"{script}.py"
    spec = importlib.util.spec_from_file_location(f"crm_iap_mine_migration_{script.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
