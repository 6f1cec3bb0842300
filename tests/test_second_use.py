"""What a sales manager meets after the first request (issue 24, points 6 to 12)."""
import os

from lxml import etree

from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from ..models.crm_iap_lead_directory_sample import (
    COUNTRY_SAMPLES,
    MAKE_DEMO_CREDITS,
    MAKE_DEMO_SIZE,
    ascii_slug,
    contact_title,
)
from ..tools.lead_mining_client import InsufficientCreditsError
from .common import BackgroundCase
from .directory_sample import load_copy

LEAD_GENERATION = "crm_iap_mine.crm_menu_lead_generation"


@tagged("post_install", "-at_install", "lead_mining")
class TestSecondUse(BackgroundCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.lead_mining_gdpr_ack_date = "2026-01-01"

    # Point 6 ---------------------------------------------------------------

    @users("user_sales_manager")
    def test_sales_role_found_as_sales_with_its_code_kept(self):
        role = self.env.ref("crm_iap_mine.crm_iap_mine_role_22")
        self.assertEqual((role.name, role.reveal_id), ("Sales", "sale"), "code sent to the service kept")
        found = self.env["crm.iap.lead.role"].name_search("Sales")
        self.assertIn(role.id, [role_id for role_id, _name in found])

    @users("user_sales_manager")
    def test_required_contact_filters_marked_required(self):
        arch = etree.fromstring(self.env["crm.iap.lead.mining.request"].get_view(view_type="form")["arch"])
        for name in ("preferred_role_id", "seniority_id"):
            field = arch.xpath(f"//field[@name='{name}']")[0]
            self.assertTrue(field.get("required"), name)
            # Odoo 17 shows an input's border (red when required) only on hover without it.
            self.assertIn("o_field_highlight", field.get("class", ""), name)

    # Point 7 ---------------------------------------------------------------

    def _menu(self, xmlid):
        return self.env.ref(f"crm_iap_mine.{xmlid}")

    def _visible_xmlids(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).browse(
            self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        return set(menus.sudo().get_external_id().values())

    def test_lead_generation_menu_grouped(self):
        groups = {
            "crm_menu_lead_generation_registers": ["crm_iap_lead_register_import_menu",
                                                   "crm_iap_lead_directory_matching_menu"],
            "crm_menu_lead_generation_credits": ["crm_iap_lead_credit_line_menu"],
            "crm_menu_lead_generation_data_protection": ["crm_iap_lead_forget_menu", "crm_iap_lead_erasure_menu"],
            "crm_menu_lead_generation_service": ["crm_iap_lead_service_client_menu", "crm_iap_lead_service_call_menu"],
        }
        lead_generation = self.env.ref(LEAD_GENERATION)
        for group, items in groups.items():
            self.assertEqual(self._menu(group).parent_id, lead_generation)
            for item in items:
                self.assertEqual(self._menu(item).parent_id, self._menu(group), item)
        daily = ["crm_iap_lead_mining_request_menu_action", "crm_iap_lead_directory_company_menu",
                 "crm_iap_lead_industry_menu", "crm_iap_lead_role_menu", "crm_iap_lead_seniority_menu"]
        for item in daily:
            self.assertEqual(self._menu(item).parent_id, lead_generation, item)
        children = self.env["ir.ui.menu"].with_context(**{"ir.ui.menu.full_list": True}).search(
            [("parent_id", "=", lead_generation.id)])
        self.assertEqual(len(children.filtered(lambda menu: menu.get_external_id()[menu.id].startswith("crm_iap_mine."))),
                         len(daily) + len(groups), "the daily items and the four groups, nothing else")

    def test_service_menus_for_administrators_while_the_service_is_on(self):
        service = {"crm_iap_mine.crm_menu_lead_generation_service", "crm_iap_mine.crm_iap_lead_service_client_menu",
                   "crm_iap_mine.crm_iap_lead_service_call_menu"}
        params = self.env["ir.config_parameter"].sudo()
        manager = self.user_sales_manager
        params.set_param("crm_iap_mine.service_enabled", False)
        self.assertFalse(service & self._visible_xmlids(self.admin), "service off: hidden")
        self.assertIn("crm_iap_mine.crm_iap_lead_credit_line_menu", self._visible_xmlids(self.admin))
        params.set_param("crm_iap_mine.service_enabled", "True")
        self.assertEqual(service & self._visible_xmlids(self.admin), service, "service on: shown")
        self.assertFalse(service & self._visible_xmlids(manager), "never a sales manager's")
        visible = self._visible_xmlids(manager)
        for xmlid in ("crm_iap_lead_mining_request_menu_action", "crm_iap_lead_credit_line_menu",
                      "crm_iap_lead_forget_menu", "crm_iap_lead_register_import_menu"):
            self.assertIn(f"crm_iap_mine.{xmlid}", visible)
        self.assertIn(LEAD_GENERATION, visible)

    def test_service_settings_in_developer_mode_only(self):
        arch = etree.fromstring(self.env["res.config.settings"].with_user(self.admin).get_view(view_type="form")["arch"])
        self.assertTrue(arch.xpath("//field[@name='lead_mining_provider']"))
        for name in ("lead_mining_iap_protocol", "lead_mining_service_enabled"):
            self.assertFalse(arch.xpath(f"//field[@name='{name}']"), f"{name} outside developer mode")

    # Point 8 ---------------------------------------------------------------

    def _ledger_filter(self, name):
        arch = etree.fromstring(self.env["crm.iap.lead.credit.line"].get_view(view_type="search")["arch"])
        return safe_eval(arch.xpath(f"//filter[@name='{name}']")[0].get("domain"))

    @users("user_sales_manager")
    def test_ledger_header_names_each_provider_with_a_balance(self):
        providers = dict(self.env["crm.iap.lead.credit.line"].get_balance_providers())
        self.assertEqual(providers, {"iap": "Odoo IAP", "directory": "Company directory"})
        Request = self.env["crm.iap.lead.mining.request"]
        self.assertEqual(Request.get_credit_balance_text("directory"), "Balance: 1,000 credits.")
        for view_type, js_view in (("tree", "list"), ("graph", "graph")):
            arch = etree.fromstring(self.env["crm.iap.lead.credit.line"].get_view(view_type=view_type)["arch"])
            self.assertEqual(arch.get("js_class"), f"crm_iap_mine_credit_ledger_{js_view}")
            self.assertTrue(arch.get("banner_route"), "turns the header on")

    @users("user_sales_manager")
    def test_ledger_hides_reservations_until_asked(self):
        request = self._big_request()
        request.action_submit()
        self.assertEqual(request.state, "queued")
        self._run_one_batch()
        Line = self.env["crm.iap.lead.credit.line"]
        lines = Line.search([("request_id", "=", request.id)])
        holds = lines.filtered(lambda line: line.reason == "hold")
        self.assertTrue(holds and holds != lines, "a reservation and what the first batch spent")
        action = self.env["ir.actions.actions"]._for_xml_id("crm_iap_mine.crm_iap_lead_credit_line_action")
        self.assertEqual(safe_eval(action["context"]), {"search_default_spent": 1})
        shown = Line.search([("request_id", "=", request.id)] + self._ledger_filter("spent"))
        self.assertEqual(shown, lines - holds, "by default, what was spent and no reservation")
        self.assertEqual(Line.search([("request_id", "=", request.id)] + self._ledger_filter("reservations")), holds)

    # Point 9 ---------------------------------------------------------------

    @users("user_sales_manager")
    def test_numbers_in_messages_follow_the_language(self):
        self.env["res.lang"].sudo()._activate_lang("de_DE")
        request = self._directory_request(lead_number=1000)
        request.sudo().write({"state": "done"})
        self.assertIn("0 of 1,000 opportunities created", request.result_summary)
        self.assertEqual(request.display_lead_label, "1,000 Opportunities")
        self.assertEqual(request._assignment_summary(1200),
                         f"1,200 new opportunities from request {request.name} were assigned to you.")
        german = request.with_context(lang="de_DE")
        german.invalidate_recordset()
        self.assertIn("1.000", german.result_summary, "German groups with a dot")
        with self.assertRaises(InsufficientCreditsError) as refused:
            self.env["crm.iap.lead.credit.line"]._record(self.env.company, "directory", [(-1500, "companies")])
        self.assertIn("needs up to 1,500, the balance is 1,000", refused.exception.user_message)

    @users("user_sales_manager")
    def test_recurring_cost_line_says_per_run(self):
        form = Form(self.env["crm.iap.lead.mining.request"].with_context(default_provider="directory"))
        form.country_ids.clear()
        form.country_ids.add(self.country_es)
        form.lead_number = 20
        self.assertEqual(form.cost_summary, "Up to 20 credits: 1 per company found.")
        form.is_recurring = True
        self.assertEqual(form.cost_summary, "Per run: Up to 20 credits: 1 per company found.")

    @users("user_sales_manager")
    def test_form_words_for_a_request_already_made(self):
        arch = etree.fromstring(self.env["crm.iap.lead.mining.request"].get_view(view_type="form")["arch"])
        question = arch.xpath("//h3[text()='How many leads would you like?']")[0]
        done = arch.xpath("//h3[text()='Leads requested']")[0]
        self.assertEqual(question.get("invisible"), "state not in ('draft', 'error')")
        self.assertEqual(done.get("invisible"), "state in ('draft', 'error')")
        cap = arch.xpath("//field[@name='monthly_credit_cap']/following-sibling::span")[0]
        self.assertEqual(cap.text, "0 = no cap")

    @users("user_sales_manager")
    def test_created_notification_with_view_stays_until_closed(self):
        request = self._directory_request(lead_number=2)
        action = request.action_submit()
        self.assertEqual(action["tag"], "crm_iap_mine_leads_created")
        self.assertTrue(action["params"]["action"], "a View button")
        self.assertTrue(action["params"]["sticky"])

    # Point 10 --------------------------------------------------------------

    def _generate_leads_dialog(self):
        """The Generate Leads action, and the new request its dialog shows."""
        action = self.env["crm.lead"].action_generate_leads()
        return Form(self.env[action["res_model"]].with_context(**action["context"]))

    @users("user_sales_manager")
    def test_generate_leads_starts_from_the_last_request(self):
        first = self._generate_leads_dialog()
        self.assertEqual(first.country_ids[:], self.env.company.country_id, "first time: the company's country")
        self._directory_request(
            country_ids=[(6, 0, (self.country_es | self.country_it).ids)], state_ids=[(6, 0, self.madrid.ids)],
            industry_ids=[(6, 0, self.software.ids)], filter_on_size=True, company_size_min=10, company_size_max=500,
        ).action_submit()
        form = self._generate_leads_dialog()
        self.assertEqual(form.provider, "directory")
        self.assertEqual(form.country_ids[:], self.country_es | self.country_it)
        self.assertEqual(form.state_ids[:], self.madrid)
        self.assertEqual(form.industry_ids[:], self.software)
        self.assertEqual((form.filter_on_size, form.company_size_min, form.company_size_max), (True, 10, 500))
        self.assertEqual(form.lead_number, 3, "the number is asked anew")
        # Other creates of a request keep the usual defaults.
        plain = Form(self.env["crm.iap.lead.mining.request"])
        self.assertEqual(plain.country_ids[:], self.env.company.country_id)
        self.assertFalse(plain.filter_on_size)

    @users("user_sales_manager")
    def test_generate_leads_ignores_others_and_other_companies(self):
        self._new_request(country_ids=[(6, 0, self.country_it.ids)]).sudo().company_id = \
            self.env["res.company"].sudo().create({"name": "Other Mining Co"})
        self.env["crm.iap.lead.mining.request"].with_user(self.admin).create({
            "provider": "iap", "country_ids": [(6, 0, self.country_us.ids)], "lead_type": "lead"})
        form = self._generate_leads_dialog()
        self.assertEqual(form.country_ids[:], self.env.company.country_id)
        self.assertFalse(form.industry_ids)

    # Point 11 --------------------------------------------------------------

    def test_sample_domains_are_transliterated(self):
        self.assertEqual(ascii_slug("Alpenglück Bäckerei"), "alpenglueck-baeckerei")
        self.assertEqual(ascii_slug("Solé Diseño Straße"), "sole-diseno-strasse")
        self.assertEqual(ascii_slug("Río de la Plata Soluções"), "rio-de-la-plata-solucoes")

    def test_sample_titles_fit_role_and_seniority(self):
        self.assertEqual(contact_title("sale", "director"), "Sales Director")
        self.assertEqual(contact_title("finance", "executive"), "CFO")
        self.assertEqual(contact_title("marketing", "manager"), "Marketing Manager")
        self.assertEqual(contact_title("ceo", "manager"), "CEO")

    def _assert_looks_of_its_country(self, companies):
        for company in companies:
            vocab = COUNTRY_SAMPLES[company.country_id.code]
            label = f"{company.name} ({company.country_id.code})"
            self.assertTrue(company.phones.startswith(vocab["phone"] + " "), label)
            self.assertIn(company.city, vocab["cities"], label)
            self.assertTrue(any(f" {form} " in company.legal_name for form in vocab["legal_forms"]), label)
            self.assertTrue(company.domain.isascii() and company.domain.endswith(".example"), label)
            self.assertTrue(company.name.startswith(tuple(vocab["words"][0])), label)
            for contact in company.contact_ids:
                self.assertIn(contact.name.split(" ")[0], vocab["first_names"] + [
                    name.split(" ")[0] for name in vocab["first_names"]], label)
                self.assertTrue(contact.phone.startswith(vocab["phone"] + " "), label)
                self.assertEqual(contact.title, contact_title(contact.role_id.reveal_id, contact.seniority_id.reveal_id))
                if contact.role_id.reveal_id in ("ceo", "founder", "owner", "president"):
                    self.assertEqual(contact.seniority_id.reveal_id, "executive", label)

    def test_demo_companies_look_of_their_country(self):
        companies = self.env["crm.iap.lead.directory.sample"]._generate(60, seed=7)
        self.assertEqual(len(companies.country_id), len(COUNTRY_SAMPLES), "every country")
        self.assertTrue(companies.contact_ids)
        self._assert_looks_of_its_country(companies)
        german = companies.filtered(lambda company: company.country_id.code == "DE")
        self.assertFalse(german.filtered(lambda company: "Ltd" in company.legal_name))

    def test_copy_sample_looks_of_its_country(self):
        Company = self.env["crm.iap.lead.directory.company"]
        before = Company.search([]).ids
        load_copy(self.env, 40, seed=9, contact_every=2)
        loaded = Company.search([("id", "not in", before)])
        self.assertEqual(len(loaded), 40)
        self._assert_looks_of_its_country(loaded)

    def test_make_demo_balance_is_the_readme_one(self):
        sample = self.env["crm.iap.lead.directory.sample"]
        ledger = self.env["crm.iap.lead.credit.line"]
        company = self.env.ref("base.main_company")
        ledger._record(company, "directory", [(500 - ledger._get_balance(company, "directory"), "adjustment")])
        size = self.env["crm.iap.lead.directory.company"].search_count([]) + 20
        sample._load_make_demo(size=size)
        self.assertEqual(ledger._get_balance(company, "directory"), MAKE_DEMO_CREDITS, "the demo data's 500 included")
        self.assertEqual(self.env["crm.iap.lead.directory.company"].search_count([]), size)
        with open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8") as readme:
            text = " ".join(readme.read().split())
        self.assertIn(f"sample directory of {MAKE_DEMO_SIZE:,} fictitious companies", text)
        self.assertIn(f"with {MAKE_DEMO_CREDITS:,} credits", text)

    # Point 12 --------------------------------------------------------------

    @users("user_sales_manager")
    def test_cancel_after_an_error_discards_what_never_ran(self):
        self.lead_mining_server.fail_with = "http_500"
        request = self._new_request().with_context(is_modal=True)
        request.action_submit()
        self.assertEqual(request.state, "error")
        action = request.action_close_after_error()
        self.assertEqual(action, {"type": "ir.actions.act_window_close"})
        self.assertFalse(request.exists(), "no orphan left in Error")

    @users("user_sales_manager")
    def test_cancel_after_an_error_says_where_a_traced_request_went(self):
        # A background request whose batch failed: it reserved credits (ledger lines).
        request = self._big_request()
        request.action_submit()
        request.sudo()._set_error("remote", "The service failed to answer.")
        self.assertTrue(self.env["crm.iap.lead.credit.line"].sudo().search_count([("request_id", "=", request.id)]))
        action = request.action_close_after_error()
        self.assertTrue(request.exists())
        self.assertEqual(action["params"]["message"],
                         f"Saved as {request.name}, in Error: retry it from Lead Mining Requests "
                         "(CRM > Configuration > Lead Generation).")
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.tools.lead_mining_client")
    def test_cancel_after_a_timeout_keeps_the_request(self):
        self.lead_mining_server.fail_with = "http_500"
        request = self._new_request()
        request.action_submit()
        request.sudo().error_type = "timeout"  # the service may have charged: keep the trace
        self.assertIn(request.name, request.action_close_after_error()["params"]["message"])
        self.assertTrue(request.exists())

    @users("user_sales_manager")
    def test_cancel_after_an_error_keeps_a_stored_paid_answer(self):
        request = self._new_request()
        request.sudo()._set_error("creation", "The leads could not be created.")
        self.env["crm.iap.lead.mining.answer"].sudo().create({"request_id": request.id, "answer": {"items": []}})
        self.assertIn("in Error", request.action_close_after_error()["params"]["message"])
        self.assertTrue(request.exists())
