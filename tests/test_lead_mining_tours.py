"""The Generate Leads flow in a real browser (tours in static/tests/tours).

Each tour runs as the user it is about, against the loopback lead-mining
service; the Python side prepares the data and checks the records the tour
created. The browser must never leave 127.0.0.1: every address it requests
is recorded and checked after each tour.
"""
import base64
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests import common as tests_common

from ..models import crm_iap_lead_provider_iap as iap_provider
from ..tools import lead_mining_client
from .common import LeadMiningServerMixin, create_directory_companies, dead_host

LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about"}


class LoopbackOnlyChromeBrowser(tests_common.ChromeBrowser):
    """Odoo's headless Chrome, recording the addresses the page requests."""

    def __init__(self, test_class, headless=True):
        super().__init__(test_class, headless=headless)
        self._handlers["Network.requestWillBeSent"] = self._record_request
        self._websocket_request("Network.enable")

    def _record_request(self, request, **_kw):
        self.test_class.browser_requests.append(request["url"])


@tagged("post_install", "-at_install", "lead_mining", "lead_mining_tours")
class TestLeadMiningTours(LeadMiningServerMixin, HttpCase):

    browser_requests = []  # addresses requested by the browser of the running test

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_lead_mining_server()
        cls.env.company.country_id = cls.env.ref("base.us")
        cls.manager = new_test_user(
            cls.env, login="tour_sales_manager", name="Tour Sales Manager",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.leads_manager = new_test_user(
            cls.env, login="tour_leads_manager", name="Tour Leads Manager",
            groups="base.group_user,sales_team.group_sale_manager,crm.group_use_lead",
        )
        cls.salesman = new_test_user(
            cls.env, login="tour_salesman", name="Tour Salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.team = cls.env["crm.team"].create({
            "name": "Lead Mining Tour Team", "sequence": 1,
            "use_leads": True, "use_opportunities": True,
            "member_ids": [(6, 0, (cls.manager + cls.leads_manager + cls.salesman).ids)],
        })
        # The first-use acknowledgement is the pipeline tour's business.
        (cls.manager | cls.leads_manager | cls.salesman | cls.env.ref("base.user_admin")).write(
            {"lead_mining_gdpr_ack_date": "2026-01-01"})
        cls.tag = cls.env["crm.tag"].create({"name": "Tour Mined"})
        cls.country_es = cls.env.ref("base.es")
        cls.country_it = cls.env.ref("base.it")

    def setUp(self):
        super().setUp()
        type(self).browser_requests = []
        browser_patcher = patch.object(tests_common, "ChromeBrowser", LoopbackOnlyChromeBrowser)
        browser_patcher.start()
        self.addCleanup(browser_patcher.stop)
        self.requests = self.env["crm.iap.lead.mining.request"]
        self.leads = self.env["crm.lead"].with_context(active_test=False)

    def _start_tour(self, tour, user):
        self.start_tour("/web", tour, login=user.login, timeout=180)
        self.env.invalidate_all()  # the browser wrote through other environments
        self.assertTrue(self.browser_requests, "the browser requests were recorded")
        outside = [
            url for url in self.browser_requests
            if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname not in LOOPBACK_HOSTS
        ]
        self.assertFalse(outside, "the browser reached addresses outside 127.0.0.1")

    def _new_request(self, **values):
        return self.requests.with_user(self.manager).create(dict({
            "provider": "iap", "lead_type": "opportunity", "country_ids": [(6, 0, self.country_es.ids)],
        }, **values))

    def test_pipeline_generate_leads(self):
        self.assertFalse(self.manager.has_group("crm.group_use_lead"))
        self.manager.lead_mining_gdpr_ack_date = False
        self._start_tour("crm_iap_mine_pipeline", self.manager)
        self.assertTrue(self.manager.lead_mining_gdpr_ack_date, "acknowledged in the dialog")

        request = self.requests.search([("create_uid", "=", self.manager.id)])
        self.assertEqual(len(request), 1)
        self.assertRecordValues(request, [{
            "state": "done", "lead_type": "opportunity", "lead_number": 4, "search_type": "companies",
            "filter_on_size": True, "company_size_min": 10, "company_size_max": 500,
            "user_id": self.manager.id, "team_id": self.team.id, "credits_charged": 4,
        }])
        self.assertEqual(request.country_ids, self.country_es + self.country_it)
        self.assertEqual(request.industry_ids, self.env.ref("crm_iap_mine.crm_iap_mine_industry_165"))
        self.assertEqual(request.tag_ids, self.tag)
        call = self._mining_calls()[-1]
        self.assertTrue(call["path"].endswith("/api/dnb/1/search_by_criteria"), "D&B by default")
        self.assertEqual(call["params"]["query"], {
            "lead_number": 4, "search_type": "companies",
            "countries": [{"code": "IT", "states": []}, {"code": "ES", "states": []}],
            "company_size_min": 10, "company_size_max": 500, "industry_ids": ["165"],
        })
        self.assertEqual(self.lead_mining_server.balance, 1000 - 4)

        leads = request.lead_ids
        self.assertEqual(len(leads), 4)
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.assertEqual(leads.country_id, self.country_es + self.country_it)
        self.assertEqual(leads.user_id, self.manager)
        self.assertEqual(leads.team_id, self.team)
        self.assertEqual(leads.tag_ids, self.tag)
        for lead in leads:
            self.assertFalse(lead.contact_name, "D&B gives no contacts")
            self.assertTrue(lead.reveal_id.isdigit(), "the DUNS number")
            note = lead.message_ids
            self.assertEqual(len(note), 1, "one enrichment note per lead")
            self.assertIn("o_crm_iap_mine_company_facts", str(note.body))

    def test_generate_leads_in_french_and_arabic(self):
        languages = ["fr_FR", "ar_001"]
        for code in languages:
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(["crm_iap_mine"], languages, overwrite=True)
        for code in languages:
            with self.subTest(lang=code):
                self.manager.lang = code
                self._start_tour("crm_iap_mine_languages", self.manager)
                request = self.requests.search([("create_uid", "=", self.manager.id)], order="id desc", limit=1)
                self.assertRecordValues(request, [{"state": "done", "lead_number": 2}])
                self.assertEqual(len(request.lead_ids), 2)

    def test_first_use_cancelled_leaves_nothing(self):
        self.manager.lead_mining_gdpr_ack_date = False
        self._start_tour("crm_iap_mine_first_use", self.manager)
        self.assertFalse(self.requests.search([("create_uid", "=", self.manager.id)]), "no orphan request")
        self.assertFalse(self.manager.lead_mining_gdpr_ack_date, "nothing was acknowledged")
        self.assertFalse(self._mining_calls())

    def test_leads_menu_creates_leads(self):
        self._start_tour("crm_iap_mine_leads", self.leads_manager)

        # The dialog cancelled in the pipeline created nothing.
        request = self.requests.search([("create_uid", "=", self.leads_manager.id)])
        self.assertRecordValues(request, [{"state": "done", "lead_type": "lead", "lead_number": 2}])
        self.assertEqual(len(request.lead_ids), 2)
        self.assertEqual(set(request.lead_ids.mapped("type")), {"lead"}, "leads, not opportunities")

    def test_insufficient_credits(self):
        self.lead_mining_server.balance = 0
        leads_before = self.leads.search_count([])
        self._start_tour("crm_iap_mine_no_credits", self.manager)

        # Cancel after the error: the request never ran nor left a trace, so it is discarded.
        self.assertFalse(self.requests.search([("create_uid", "=", self.manager.id)]), "no orphan in Error")
        self.assertEqual(self.leads.search_count([]), leads_before, "no lead was created")
        self.assertEqual(self.lead_mining_server.balance, 0)

    def test_settings_show_lead_mining(self):
        self._start_tour("crm_iap_mine_settings", self.env.ref("base.user_admin"))

    def test_settings_save_on_a_fresh_database(self):
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("crm_iap_mine.default_provider"), "iap", "set at install")
        self.assertFalse(params.get_param("sales_team.membership_multi"))
        self._start_tour("crm_iap_mine_settings_save", self.env.ref("base.user_admin"))
        self.assertEqual(params.get_param("sales_team.membership_multi"), "True", "the settings were saved")

    def test_settings_save_without_a_stored_provider(self):
        """A database where nothing stored the provider yet still saves."""
        params = self.env["ir.config_parameter"].sudo()
        params.search([("key", "=", "crm_iap_mine.default_provider")]).unlink()
        self._start_tour("crm_iap_mine_settings_save", self.env.ref("base.user_admin"))
        self.assertEqual(params.get_param("sales_team.membership_multi"), "True", "the settings were saved")
        self.assertEqual(params.get_param("crm_iap_mine.default_provider"), "iap")

    def test_settings_provider_changes_the_dialog(self):
        admin = self.env.ref("base.user_admin")
        self.env["crm.iap.lead.directory.company"].create({
            "name": "Tour Directory Co", "domain": "tour-directory.example", "country_id": self.country_es.id,
        })
        ledger = self.env["crm.iap.lead.credit.line"]
        balance = ledger._get_balance(admin.company_id, "directory")
        ledger._record(admin.company_id, "directory", [(70 - balance, "adjustment")])
        self._start_tour("crm_iap_mine_provider", admin)
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param("crm_iap_mine.default_provider"), "directory")

    def test_background_request_progress_and_cancel(self):
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.default_provider", "directory")
        us = self.env.ref("base.us")
        self.env["crm.iap.lead.directory.company"].create([
            {"name": f"Tour Big Co {n:03d}", "domain": f"tour-big{n:03d}.example", "country_id": us.id}
            for n in range(260)
        ])
        ledger = self.env["crm.iap.lead.credit.line"]
        company = self.manager.company_id
        ledger._record(company, "directory", [(1000 - ledger._get_balance(company, "directory"), "adjustment")])

        self._start_tour("crm_iap_mine_background", self.manager)

        request = self.requests.search([("create_uid", "=", self.manager.id)])
        self.assertEqual((request.state, request.lead_number, request.provider), ("cancel", 250, "directory"))
        self.assertFalse(request.lead_ids)
        self.assertEqual(ledger._get_balance(company, "directory"), 1000, "the reservation came back whole")
        holds = ledger.search([("request_id", "=", request.id)]).mapped("amount")
        self.assertEqual(sorted(holds), [-250, 250])

    def test_register_import_progress_and_cancel(self):
        admin = self.env.ref("base.user_admin")
        run = self.env["crm.iap.lead.register.import"].with_user(admin).create({
            "register_code": "gb_companies_house", "file": base64.b64encode(b"CompanyName, CompanyNumber\n"),
        })
        run._update_state("queued", {"user_id": admin.id})._update_state("running")
        run._write_progress({"progress": 0.4, "rows_read": 4000, "excluded_count": 12, "imported_count": 0})

        self._start_tour("crm_iap_mine_register_progress", admin)

        self.assertEqual(run.state, "cancel")

    def test_requests_list_stat_button_and_retry(self):
        done = self._new_request(lead_number=2)
        done.action_submit()
        self.lead_mining_server.fail_with = "http_500"
        failed = self._new_request(lead_number=5)
        failed.action_submit()
        self.assertEqual((done.state, failed.state, failed.error_type), ("done", "error", "http"))
        self.lead_mining_server.fail_with = None  # the service is back

        self._start_tour("crm_iap_mine_requests", self.manager)

        self.assertEqual(failed.state, "done")
        self.assertFalse(failed.error_type)
        self.assertEqual(len(failed.lead_ids), 5)
        self.assertEqual(len(done.lead_ids), 2)

    def test_crm_onboarding_tour_shows_generate_leads(self):
        """The stock module's step of CRM's onboarding tour (`crm_tour`)."""
        brandon = self.env["res.partner"].create({"name": "Brandon Freeman", "email": "brandon.freeman55@example.com"})
        admin = self.env.ref("base.user_admin")
        self.env["crm.lead"].create([{
            "name": name, "type": "opportunity", "partner_id": brandon.id, "stage_id": self.env.ref(stage).id,
            "user_id": admin.id,
        } for name, stage in (("Onboarding 1", "crm.stage_lead1"), ("Onboarding 2", "crm.stage_lead2"))])
        requests_before = self.requests.search_count([])
        self._start_tour("crm_tour", admin)
        self.assertTrue([url for url in self.browser_requests if "crm.iap.lead.mining.request" in url],
                        "the tour opened the Generate Leads dialog")
        self.assertEqual(self.requests.search_count([]), requests_before, "and closed it without a request")

    def test_salesman_has_no_generate_leads(self):
        self.assertFalse(self.salesman.has_group("sales_team.group_sale_manager"))
        self._start_tour("crm_iap_mine_salesman", self.salesman)
        self.assertFalse(self.requests.search([("create_uid", "=", self.salesman.id)]))

    def _directory_with_credits(self, prefix, count, credits):
        create_directory_companies(self.env, prefix, self.env.ref("base.us"), count)
        ledger = self.env["crm.iap.lead.credit.line"]
        company = self.manager.company_id
        ledger._record(company, "directory", [(credits - ledger._get_balance(company, "directory"), "adjustment")])

    def test_unreachable_service_offers_the_directory(self):
        """Issue 24, points 1 and 2: a dead Odoo IAP host, 2 s to connect."""
        self._directory_with_credits("Tour Reachable Co", 3, 50)
        with dead_host() as port, patch.object(lead_mining_client, "CONNECT_DEADLINE", 2):
            self._point_endpoints_at(f"http://127.0.0.1:{port}")
            self.addCleanup(self._point_endpoints_at, self.lead_mining_server.url)
            self._start_tour("crm_iap_mine_unreachable", self.manager)
        iap_provider._balance_cache.clear()

        request = self.requests.search([("create_uid", "=", self.manager.id)])
        self.assertRecordValues(request, [{
            "provider": "directory", "state": "done", "error_type": False, "lead_number": 3, "credits_charged": 3,
        }])
        self.assertEqual(len(request.lead_ids), 3)

    def test_credits_before_the_click_and_added_on_top_of_the_dialog(self):
        """Issue 24, points 3 and 5."""
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.default_provider", "directory")
        self._directory_with_credits("Tour Money Co", 5, 2)
        self._start_tour("crm_iap_mine_credits", self.manager)

        request = self.requests.search([("create_uid", "=", self.manager.id)])
        self.assertEqual(len(request), 1, "one request, kept through the error and the top-up")
        self.assertRecordValues(request, [{
            "provider": "directory", "state": "done", "lead_number": 4, "credits_charged": 4,
        }])
        self.assertEqual(request.tag_ids, self.tag)
        ledger = self.env["crm.iap.lead.credit.line"]
        topup = ledger.search([("reason", "=", "topup"), ("reference", "=", "PO 2026/0042")])
        self.assertEqual(topup.amount, 10)
        self.assertEqual(ledger._get_balance(self.manager.company_id, "directory"), 2 + 10 - 4)

    def test_second_use_menus_ledger_and_words(self):
        """Issue 24, points 6 to 9: grouped menus, the ledger's balances, the form's words."""
        admin = self.env.ref("base.user_admin")
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.service_enabled", False)
        self.env["crm.iap.lead.directory.company"].create({
            "name": "Tour Directory Co", "domain": "tour-directory.example", "country_id": self.country_es.id,
        })
        ledger = self.env["crm.iap.lead.credit.line"]
        ledger._record(admin.company_id, "directory", [(70 - ledger._get_balance(admin.company_id, "directory"),
                                                        "adjustment")])
        self.requests.with_user(admin).create({
            "provider": "iap", "lead_type": "opportunity", "lead_number": 2,
            "country_ids": [(6, 0, self.country_es.ids)],
        }).action_submit()
        self._start_tour("crm_iap_mine_second_use", admin)
        self.assertFalse(self.requests.search([("create_uid", "=", admin.id), ("state", "=", "draft")]),
                         "the dialog closed without a request")
