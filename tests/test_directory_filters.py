"""Firmographic filters of the directory (issue 26, points 4 to 6): sizes
from every source (bands), revenue in any currency, technologies, kept by
recurring requests and offered to the lead-mining service's clients."""
import base64

from odoo.exceptions import ValidationError
from odoo.tests import tagged, users

from ..tools.registers.base import MAX_INTEGER
from .common import FR_ESTABLISHMENTS, FR_UNITS, DirectoryCase, RegisterImportCase, _read, _zipped, load_migration


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
