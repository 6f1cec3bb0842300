"""Firmographic filters of the directory (issue 26, points 4 to 6): sizes
from every source (bands), revenue in any currency, technologies, kept by
recurring requests and offered to the lead-mining service's clients."""
import base64
import json

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users

from ..tools.registers.base import MAX_INTEGER
from .common import (
    FR_ESTABLISHMENTS, FR_UNITS, DirectoryCase, LeadMiningServiceCase, RecurringCase, RegisterImportCase, _read, _zipped,
    load_migration,
)
from .lead_mining_server import DNB_PATH


def matching_names(env, request):
    """The names of the companies the directory engine picks for `request`,
    sorted, without delivering them (a request would leave them known)."""
    search = env["crm.iap.lead.provider.directory"]._search(request)
    company_ids, _skipped = env["crm.iap.lead.directory.search"]._pick_companies(search)
    return sorted(env["crm.iap.lead.directory.company"].browse(company_ids).mapped("name"))


@tagged("post_install", "-at_install", "lead_mining")
class TestSizeBands(RegisterImportCase):
    """A company known by a size band matches a range its band overlaps."""

    def _import_sirene(self):
        run = self.imports.create({
            "register_code": "fr_sirene", "file": base64.b64encode(_read(FR_ESTABLISHMENTS)),
            "second_file": base64.b64encode(_zipped(_read(FR_UNITS), "StockUniteLegale_utf8.csv")),
        })
        run.action_import()
        self.assertEqual(run.state, "done", run.error_message)
        return self._by_number("fr_sirene")

    def _picked(self, size_min, size_max, country):
        """The names of the companies the engine picks for this range (nothing delivered)."""
        request = self._directory_request(lead_number=10, country_ids=[(6, 0, country.ids)],
                                          filter_on_size=True, company_size_min=size_min, company_size_max=size_max)
        return matching_names(self.env, request)

    @users("user_sales_manager")
    def test_a_sirene_band_matches_every_range_it_overlaps(self):
        companies = self._import_sirene()
        # Bands 12 (20 to 49), 22 (100 to 199); NN (unknown) for the bakery.
        self.assertRecordValues(companies["552000001"], [{"employees": 20, "employees_max": 49}])
        self.assertRecordValues(companies["552000010"], [{"employees": 100, "employees_max": 199}])
        self.assertRecordValues(companies["552000002"], [{"employees": 0, "employees_max": 0}])
        france = self.env.ref("base.fr")
        self.assertEqual(self._picked(30, 40, france), ["LOGICIELS DU LEVANT"], "20-49 overlaps 30-40")
        self.assertEqual(self._picked(50, 99, france), [], "neither 20-49 nor 100-199 overlaps 50-99")
        self.assertEqual(self._picked(150, 5000, france), ["COMMUNAUTE DE COMMUNES DU VAL FICTIF"],
                         "100-199 overlaps 150-5000")
        request = self._directory_request(lead_number=10, country_ids=[(6, 0, france.ids)],
                                          filter_on_size=True, company_size_min=30, company_size_max=40)
        request.action_submit()
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["LOGICIELS DU LEVANT"])

    def test_an_open_band_and_exact_figures(self):
        Company = self.env["crm.iap.lead.directory.company"]
        france = self.env.ref("base.fr")
        Company.create([
            {"name": "Open Band Co", "country_id": france.id, "employees": 10000, "employees_max": MAX_INTEGER},
            {"name": "Exact Co", "country_id": france.id, "employees": 10000},
            {"name": "Small Co", "country_id": france.id, "employees": 40},
        ])
        self.assertEqual(self._picked(20000, 50000, france), ["Open Band Co"], "10,000 and more: no upper bound")
        self.assertEqual(self._picked(5000, 10000, france), ["Exact Co", "Open Band Co"])
        self.assertEqual(self._picked(41, 9999, france), [], "an exact figure is no band")

    def test_the_upgrade_gives_sirene_companies_their_band(self):
        companies = self._import_sirene()
        self.env.cr.execute("UPDATE crm_iap_lead_directory_company SET employees_max = NULL WHERE register_code = 'fr_sirene'")
        load_migration("17.0.7.0.0", "post-sizes").migrate(self.env.cr, "17.0.6.0.0")
        self.env["crm.iap.lead.directory.company"].invalidate_model(["employees_max"])
        self.assertEqual(companies["552000001"].employees_max, 49)
        self.assertEqual(companies["552000010"].employees_max, 199)


@tagged("post_install", "-at_install", "lead_mining")
class TestRevenueFilter(DirectoryCase):
    """A revenue range in the company's currency, compared with revenues in two currencies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portugal = cls.env.ref("base.pt")
        cls.base_currency = cls.env.company.currency_id
        euro = cls.env.ref("base.EUR")
        cls.other = euro if cls.base_currency != euro else cls.env.ref("base.USD")
        cls.other.active = True
        # 1 of the company's currency is 0.5 of the other: 1 of the other is 2.
        cls.env["res.currency.rate"].create({
            "currency_id": cls.other.id, "company_id": cls.env.company.id, "rate": 0.5,
            "name": "2020-01-01",
        })
        Company = cls.env["crm.iap.lead.directory.company"]
        values = [("Other Small", 400000, cls.other), ("Other Mid", 600000, cls.other),
                  ("Base Mid", 1500000, cls.base_currency), ("Base Big", 5000000, cls.base_currency)]
        Company.create([{"name": name, "country_id": cls.portugal.id, "estimated_revenue": revenue,
                         "revenue_currency_id": currency.id} for name, revenue, currency in values]
                       + [{"name": "Unknown Revenue", "country_id": cls.portugal.id}])

    def _request(self, **values):
        return self._directory_request(lead_number=10, country_ids=[(6, 0, self.portugal.ids)], **values)

    def test_the_range_is_converted_into_each_currency(self):
        request = self._request(filter_on_revenue=True, revenue_min=1000000, revenue_max=2000000)
        # Other Mid: 600,000 of the other currency is 1,200,000 of the company's.
        self.assertEqual(matching_names(self.env, request), ["Base Mid", "Other Mid"])
        request.revenue_max = 0
        self.assertEqual(matching_names(self.env, request), ["Base Big", "Base Mid", "Other Mid"], "0: no maximum")
        request.filter_on_revenue = False
        self.assertEqual(len(matching_names(self.env, request)), 5, "without the range, unknown revenues count")
        request.write({"filter_on_revenue": True, "revenue_min": 0, "provider": "iap"})
        self.assertIsNone(request._revenue_bounds(), "Odoo's service has no revenue filter")

    def test_a_request_delivers_the_range_and_the_dialog_counts_known_revenues(self):
        request = self._request(filter_on_revenue=True, revenue_min=1000000, revenue_max=2000000)
        self.assertEqual(request.revenue_known_count, 4)
        self.assertEqual(request.revenue_known_summary,
                         "4 companies of these countries have a revenue figure: the others are left out.")
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        self.assertEqual(sorted(request.lead_ids.mapped("partner_name")), ["Base Mid", "Other Mid"])

    def test_a_bad_range_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "up to a larger amount"):
            self._request(filter_on_revenue=True, revenue_min=2000, revenue_max=1000)
        self._request(filter_on_revenue=False, revenue_min=2000, revenue_max=1000)  # not applied: not checked

    def test_a_revenue_without_currency_gets_the_owner_s_or_the_country_s(self):
        Company = self.env["crm.iap.lead.directory.company"]
        shared = Company.create({"name": "Shared", "country_id": self.portugal.id, "estimated_revenue": 10})
        self.assertEqual(shared.revenue_currency_id, self.portugal.currency_id)
        owned = Company.create({"name": "Owned", "country_id": self.portugal.id, "estimated_revenue": 10,
                                "company_id": self.env.company.id})
        self.assertEqual(owned.revenue_currency_id, self.base_currency)
        self.assertFalse(Company.create({"name": "None", "country_id": self.portugal.id}).revenue_currency_id)

    def test_the_upgrade_gives_stored_revenues_a_currency(self):
        company = self.env["crm.iap.lead.directory.company"].create(
            {"name": "Old", "country_id": self.portugal.id, "estimated_revenue": 10})
        self.env.cr.execute("UPDATE crm_iap_lead_directory_company SET revenue_currency_id = NULL WHERE id = %s",
                            [company.id])
        load_migration("17.0.7.0.0", "post-revenue").migrate(self.env.cr, "17.0.6.0.0")
        company.invalidate_recordset()
        self.assertEqual(company.revenue_currency_id, self.portugal.currency_id)


@tagged("post_install", "-at_install", "lead_mining")
class TestTechnologyFilter(DirectoryCase):
    """The technologies the directory holds, any of or all of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.greece = cls.env.ref("base.gr")
        Company = cls.env["crm.iap.lead.directory.company"]
        cls.tech_companies = Company.create([
            {"name": "Both Co", "country_id": cls.greece.id, "technologies": "Odoo, Shopify"},
            {"name": "Shop Pay Co", "country_id": cls.greece.id, "technologies": "  shopify ;Stripe\t"},
            {"name": "Odoo Co", "country_id": cls.greece.id, "technologies": "ODOO"},
            {"name": "Magento Co", "country_id": cls.greece.id, "technologies": "Magento"},
            {"name": "Plain Co", "country_id": cls.greece.id},
        ])
        cls.Technology = cls.env["crm.iap.lead.technology"].with_context(active_test=False)
        cls.Technology._refresh()

    def _technologies(self, *names):
        return self.Technology.search([("name", "in", names)])

    def _request(self, match, *names):
        return self._directory_request(lead_number=10, country_ids=[(6, 0, self.greece.ids)],
                                       filter_on_technologies=True, technology_match=match,
                                       technology_ids=[(6, 0, self._technologies(*names).ids)])

    def test_the_list_holds_the_directory_s_normalised_names(self):
        listed = self.Technology.search([("name", "in", ["magento", "odoo", "shopify", "stripe"])])
        self.assertEqual({t.name: (t.company_count, t.active) for t in listed},
                         {"magento": (1, True), "odoo": (2, True), "shopify": (2, True), "stripe": (1, True)})
        self.tech_companies.filtered(lambda c: c.name == "Magento Co").active = False
        self.tech_companies.filtered(lambda c: c.name == "Odoo Co").technologies = "Odoo, Stripe"
        self.Technology._refresh()
        self.assertEqual(self._technologies("magento").read(["company_count", "active"])[0],
                         dict(id=self._technologies("magento").id, company_count=0, active=False),
                         "no company holds it: archived, kept for the requests that name it")
        self.assertEqual(self._technologies("stripe").company_count, 2)

    def test_any_of_and_all_of(self):
        self.assertEqual(matching_names(self.env, self._request("any", "odoo", "stripe")),
                         ["Both Co", "Odoo Co", "Shop Pay Co"])
        self.assertEqual(matching_names(self.env, self._request("all", "shopify", "stripe")), ["Shop Pay Co"])
        self.assertEqual(matching_names(self.env, self._request("all", "odoo", "shopify")), ["Both Co"])
        request = self._request("any", "magento")
        request.action_submit()
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["Magento Co"])

    def test_a_rare_technology_is_read_from_its_index(self):
        search = self.env["crm.iap.lead.provider.directory"]._search(self._request("all", "magento"))
        condition = self.env["crm.iap.lead.directory.search"]._technologies_condition(search)
        # The test directory is tiny: any plan is cheap. Without the picking
        # indexes and the lookalike's (all of the same condition; dropped in
        # the test's transaction, rolled back) and scans, only the GIN index
        # is left, if the expression is the index's.
        self.env.cr.execute("""
            DROP INDEX crm_iap_lead_directory_company_pickable_idx,
                       crm_iap_lead_directory_company_pickable_fresh_idx,
                       crm_iap_lead_directory_company_pickable_rotation_idx,
                       crm_iap_lead_directory_company_profile_idx;
            SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off""")
        self.env.cr.execute(f"""EXPLAIN SELECT c.id FROM crm_iap_lead_directory_company c
                                 WHERE c.active AND c.register_status IS NULL AND {condition}""",
                            {"technologies": search.technologies})
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("RESET enable_seqscan; RESET enable_indexscan")
        self.assertIn("Bitmap Index Scan on crm_iap_lead_directory_company_technologies_idx", plan)

    def test_a_filter_needs_a_technology_and_is_for_the_directory_only(self):
        with self.assertRaisesRegex(ValidationError, "choose at least one technology"):
            self._request("any")
        request = self._request("all", "odoo")
        request.provider = "iap"
        self.assertEqual(request._technology_filter(), {})

    def test_salesmen_read_the_list_only_administrators_change_it(self):
        odoo = self._technologies("odoo")
        for user in (self.user_sales_salesman, self.user_sales_manager):
            self.assertEqual(odoo.with_user(user).read(["name"])[0]["name"], "odoo")
            with self.assertRaises(AccessError):
                odoo.with_user(user).write({"name": "renamed"})
            with self.assertRaises(AccessError):
                self.Technology.with_user(user).create({"name": "new"})
        admin = mail_new_test_user(self.env, login="tech_admin", groups="base.group_user,base.group_system")
        odoo.with_user(admin).write({"active": True})


@tagged("post_install", "-at_install", "lead_mining")
class TestRecurringKeepsTheFilters(RecurringCase):
    """Each run of a recurring request is a copy of it: with its filters."""

    @users("user_sales_manager")
    def test_a_run_keeps_the_size_revenue_and_technology_filters(self):
        chile = self.env.ref("base.cl")
        currency = self.env.company.currency_id
        self.env["crm.iap.lead.directory.company"].sudo().create([dict({
            "name": name, "country_id": chile.id, "revenue_currency_id": currency.id,
        }, **values) for name, values in (
            ("Band Match", {"employees": 20, "employees_max": 49, "estimated_revenue": 2e6, "technologies": "Odoo"}),
            ("Exact Match", {"employees": 60, "estimated_revenue": 3e6, "technologies": "odoo, Stripe"}),
            ("Too Big", {"employees": 500, "estimated_revenue": 2e6, "technologies": "Odoo"}),
            ("No Revenue", {"employees": 60, "technologies": "Odoo"}),
            ("Other Technology", {"employees": 60, "estimated_revenue": 2e6, "technologies": "Magento"}),
        )])
        Technology = self.env["crm.iap.lead.technology"]
        Technology.sudo()._refresh()
        odoo = Technology.search([("name", "=", "odoo")])
        filters = {
            "filter_on_size": True, "company_size_min": 45, "company_size_max": 100,
            "filter_on_revenue": True, "revenue_min": 1e6, "revenue_max": 5e6,
            "filter_on_technologies": True, "technology_match": "all", "technology_ids": odoo.ids,
        }
        schedule = self._schedule(country_ids=[(6, 0, chile.ids)], **dict(filters, technology_ids=[(6, 0, odoo.ids)]))
        run = self._run_due(schedule)
        self.assertRecordValues(run, [dict(filters, parent_id=schedule.id)])
        self.assertEqual((run.state, sorted(run.lead_ids.mapped("partner_name"))),
                         ("done", ["Band Match", "Exact Match"]), run.error_message)


@tagged("post_install", "-at_install", "lead_mining")
class TestServiceSizeBands(LeadMiningServiceCase):
    """The lead-mining service's clients send a size range (Odoo's D&B
    protocol carries it): a company known by a band overlapping it is served."""

    def test_a_dnb_client_s_size_range_finds_the_bands_it_overlaps(self):
        spain = self.env.ref("base.es")
        self.Company.create([
            {"name": "Band Co", "domain": "band.example", "country_id": spain.id, "employees": 20, "employees_max": 49},
            {"name": "Exact Co", "domain": "exact.example", "country_id": spain.id, "employees": 20},
            {"name": "Big Co", "domain": "big.example", "country_id": spain.id, "employees": 500},
        ])
        client = self.env["crm.iap.lead.service.client"].create({"name": "Member database"})
        token = client.action_generate_token()["params"]["message"].rsplit(" ", 1)[-1]
        self.env["crm.iap.lead.credit.line"]._record(
            client.company_id, "directory", [(10, "topup")], reference="T", service_client=client)
        query = {"lead_number": 5, "search_type": "companies", "countries": [{"code": "ES", "states": []}],
                 "company_size_min": 30, "company_size_max": 40}
        response = self.url_open(DNB_PATH, data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "account_token": token, "query": query, "reveal_ids": []}}), headers={"Content-Type": "application/json"})
        self.assertEqual([item["name"] for item in response.json()["result"]["data"]], ["Band Co"])
