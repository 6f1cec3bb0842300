import base64
import io
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged, users

from ..tools.register_files import open_register_file, open_register_reader
from ..tools.registers import ADAPTERS, detect_adapter
from ..tools.registers.ee_ariregister import registry_check_digit
from .common import SAMPLES, RegisterImportCase, _read, _zipped

EE_COMPANIES = SAMPLES + "ee_ariregister_lihtandmed.csv"
EE_TAXES = SAMPLES + "ee_ariregister_tasutud_maksud_kaesolev_aasta.csv"
EE_TAXES_BY_QUARTER = SAMPLES + "ee_ariregister_tasutud_maksud_2024_iv_kvartal.csv"
# The sample's companies (fictitious, valid check digits).
SOFTWARE, CAFE, BUILDER, FISH, SOLE_TRADER, DELETED = "14200010", "14200027", "14200033", "14200040", "14200056", "14200062"
NAMELESS, ASSOCIATION, CHOCOLATE = "14200091", "14200104", "14200116"


def _reader(path):
    """The CSV reader of a sample, with the register's delimiters."""
    text = open_register_file(io.BytesIO(_read(path)))
    return open_register_reader(text.__enter__(), ADAPTERS["ee_ariregister"].delimiter)


@tagged("post_install", "-at_install", "lead_mining")
class TestAriregisterFiles(RegisterImportCase):
    """Estonia's files told apart by their content, each read with its delimiter."""

    def test_registry_codes_check_digit(self):
        # Real codes of the register (EESTI RAAMAT OÜ; a second-pass remainder).
        self.assertEqual(registry_check_digit("1000002"), 4)
        self.assertEqual(registry_check_digit("1013731"), 9)

    def test_each_file_is_recognised_with_its_delimiter(self):
        adapter = ADAPTERS["ee_ariregister"]
        companies, taxes, by_quarter = (_reader(path) for path in (EE_COMPANIES, EE_TAXES, EE_TAXES_BY_QUARTER))
        self.assertEqual((companies.delimiter, taxes.delimiter, by_quarter.delimiter), (";", ",", ";"),
                         "the older tax file's header has a comma in a name, and semicolons between them")
        self.assertEqual(companies.header[0], "nimi", "the BOM is not part of the first name")
        self.assertIs(detect_adapter(companies.header), adapter)
        self.assertTrue(adapter.recognises_units(taxes.header))
        self.assertTrue(adapter.recognises_units(by_quarter.header))
        self.assertFalse(adapter.recognises_units(companies.header))
        english = ["Data date", "Registry code", "Name", "Year", "Turnover I qtr", "Number of employees I qtr"]
        self.assertTrue(adapter.recognises_units(english), "the English twin of the yearly file")
        self.assertIsNone(detect_adapter(["Registrikood", "Nimi"]), "a registry code alone is no register file")

    def test_the_quarter_of_an_older_file_is_in_its_name(self):
        adapter = ADAPTERS["ee_ariregister"]
        self.assertEqual(adapter(file_names=["x.zip", "tasutud_maksud_2021_iii_kvartal.csv"]).file_quarter(), "2021-Q3")
        self.assertEqual(adapter(file_names=["tasutud_maksud_2017_iv_kv.csv"]).file_quarter(), "2017-Q4")
        self.assertIsNone(adapter(file_names=["taxes.csv"]).file_quarter())


@tagged("post_install", "-at_install", "lead_mining")
class TestAriregisterImport(RegisterImportCase):
    """The e-Business Register's companies, joined to the Tax and Customs
    Board's employees and turnover of their latest quarter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.estonia = cls.env.ref("base.ee")
        cls.euro = cls.env.ref("base.EUR")

    def _import_pair(self, taxes=EE_TAXES, taxes_name="tasutud_maksud_kaesolev_aasta.csv"):
        run = self.imports.create({
            "register_code": "ee_ariregister",
            "file": base64.b64encode(_zipped(_read(EE_COMPANIES), "ettevotja_rekvisiidid__lihtandmed.csv")),
            "file_name": "ettevotja_rekvisiidid__lihtandmed.csv.zip",
            # Given second, staged first: the loader tells the files apart.
            "second_file": base64.b64encode(_read(taxes)), "second_file_name": taxes_name,
        })
        run.action_import()
        return run

    def _companies(self):
        return self._by_number("ee_ariregister")

    @users("user_sales_manager")
    def test_companies_get_the_figures_of_their_latest_quarter(self):
        run = self._import_pair()
        self.assertEqual(run.state, "done", run.error_message)
        self.assertRecordValues(run, [{
            "rows_read": 19, "imported_count": 6, "excluded_person_count": 1, "excluded_closed_count": 1,
            "bad_row_count": 4, "undeliverable_count": 2,
        }])
        self.assertEqual(sorted(run.bad_rows.splitlines()), [
            "Line 10: 12.5x is not an amount.",
            "Line 8: 14200086 is not a valid register number.",
            "Line 9: kaks is not a number of employees.",
            "Line 9: the company name is missing.",
        ])
        companies = self._companies()
        self.assertEqual(sorted(companies), [SOFTWARE, CAFE, BUILDER, FISH, ASSOCIATION, CHOCOLATE],
                         "no sole trader, nothing deleted, no bad row; a company the tax file lacks is imported")
        self.assertRecordValues(companies[SOFTWARE], [{
            "name": "Põhjala Tarkvara OÜ", "street": "Kase tn 4", "zip": "11911", "city": "Tallinn",
            "country_id": self.estonia.id, "register_status": False, "founded_date": date(2015, 2, 3),
            "employees": 12, "estimated_revenue": 1000002, "revenue_currency_id": self.euro.id,
            "figures_quarter": "2026-Q3", "legal_form": "Osaühing",
        }])
        # A name with quotes and the file's separator; this year's row
        # without figures: last year's fourth quarter.
        self.assertRecordValues(companies[CAFE], [{
            "name": 'Kohvik "Mõnus; Nurk" OÜ', "city": "Tartu linn", "employees": 4, "estimated_revenue": 198000,
            "figures_quarter": "2025-Q4",
        }])
        # A negative turnover (refunds) is no revenue; an empty one neither.
        self.assertRecordValues(companies[BUILDER], [{
            "register_status": "liquidation", "employees": 38, "estimated_revenue": 0, "revenue_currency_id": False,
            "figures_quarter": "2026-Q2",
        }])
        self.assertRecordValues(companies[FISH], [{
            "register_status": "bankrupt", "employees": 2, "estimated_revenue": 0, "figures_quarter": "2026-Q1",
            "founded_date": date(2012, 2, 29),
        }])
        # Its tax row is a bad row: imported without figures.
        self.assertRecordValues(companies[CHOCOLATE] | companies[ASSOCIATION], [
            {"name": "Šokolaadi, Tehas OÜ", "employees": 0, "figures_quarter": False},
            {"name": "Ilma Maksudeta MTÜ", "employees": 0, "figures_quarter": False},
        ])

        request = self._directory_request(lead_number=10, country_ids=[(6, 0, self.estonia.ids)],
                                          filter_on_size=True, company_size_min=10, company_size_max=50)
        request.action_submit()
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["Põhjala Tarkvara OÜ"],
                         "the employees of the tax file size the companies; one in liquidation is never delivered")

    def test_both_files_are_needed(self):
        run = self.imports.create({"register_code": "ee_ariregister",
                                   "file": base64.b64encode(_read(EE_COMPANIES))})
        with self.assertRaisesRegex(UserError, "comes as two files: give both. Two files: the e-Business"):
            run.action_import()

    @users("user_sales_manager")
    def test_an_older_per_quarter_tax_file_gives_its_quarter_by_its_name(self):
        run = self._import_pair(EE_TAXES_BY_QUARTER, "tasutud_maksud_2024_iv_kvartal.csv")
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual((run.imported_count, run.bad_row_count), (6, 2))
        companies = self._companies()
        self.assertRecordValues(companies[SOFTWARE] | companies[CAFE], [
            {"employees": 9, "estimated_revenue": 561387, "revenue_currency_id": self.euro.id,
             "figures_quarter": "2024-Q4"},
            {"employees": 3, "estimated_revenue": 0, "revenue_currency_id": False, "figures_quarter": "2024-Q4"},
        ])
        self.assertEqual(companies[SOFTWARE].estimated_revenue, 140346.67 * 4, "amounts with spaces and a comma")

        # The next quarter's file updates the figures; a company it lacks
        # keeps its own, with their quarter.
        again = self._import_pair()
        self.assertRecordValues(again, [{"imported_count": 0, "updated_count": 4, "unchanged_count": 2}])
        self.assertRecordValues(companies[SOFTWARE] | companies[ASSOCIATION], [
            {"employees": 12, "figures_quarter": "2026-Q3"},
            {"employees": 0, "figures_quarter": False},
        ])
        unchanged = self._import_pair()
        self.assertRecordValues(unchanged, [{"imported_count": 0, "updated_count": 0, "unchanged_count": 6}])

    def test_partners_are_matched_by_their_registry_code(self):
        self.assertEqual(self._import_pair().state, "done")
        Partner = self.env["res.partner"]
        by_code = Partner.create({"name": "Someone", "is_company": True, "company_registry": "1420 0010",
                                  "country_id": self.estonia.id})
        latvian = Partner.create({"name": "Other", "is_company": True, "company_registry": CAFE,
                                  "country_id": self.env.ref("base.lv").id})
        (by_code | latvian).with_user(self.user_sales_manager).action_directory_match()
        links = self.env["crm.iap.lead.directory.link"].search([("partner_id", "in", (by_code | latvian).ids)])
        self.assertEqual([(link.partner_id, link.directory_company_id.register_number, link.evidence)
                          for link in links], [(by_code, SOFTWARE, "register_number")])
