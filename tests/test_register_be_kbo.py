import base64
import io
import zipfile

from odoo.tests import tagged, users

from ..tools.register_files import archive_members
from ..tools.registers import ADAPTERS
from ..tools.registers.loader import STAGING_TABLES, RegisterLoader
from .common import SAMPLES, RegisterImportCase, _read, load_migration

# The members of a KBO Open Data full extract, in the published order.
KBO_MEMBERS = ("meta", "code", "enterprise", "establishment", "denomination", "address", "contact", "activity",
               "branch")
KBO_FULL = "KboOpenData_0312_2026_12_06_Full.zip"


def kbo_zip(drop=(), replace=None, compression=zipfile.ZIP_DEFLATED):
    """A KBO full extract of the sample members (tests/data/registers/be_kbo_*.csv),
    without the members `drop`, with the contents `replace` ({member: bytes})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for member in KBO_MEMBERS:
            if member not in drop:
                archive.writestr(f"{member}.csv", (replace or {}).get(member) or _read(f"{SAMPLES}be_kbo_{member}.csv"))
    return buffer.getvalue()


@tagged("post_install", "-at_install", "lead_mining")
class TestKboImport(RegisterImportCase):
    """Belgium's KBO Open Data: a zip of CSV members joined by enterprise number."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_be = cls.env.ref("base.be")

    def _import_kbo(self, content=None, scope="complete"):
        return self._import(content or kbo_zip(), "be_kbo", KBO_FULL, scope)

    def _companies(self):
        return self._by_number("be_kbo")

    def test_the_members_of_an_archive_are_read_each_by_its_header(self):
        # A member longer than what a reader reads ahead (64 KiB), before others.
        codes = "".join(f'"Nace2008","{code:05d}","NL","Activiteit {code}"\n' for code in range(3000))
        binary = io.BytesIO(kbo_zip(replace={"code": ('"Category","Code","Language","Description"\n' + codes).encode()},
                                    compression=zipfile.ZIP_STORED))
        self.assertEqual(list(archive_members(binary)), [f"{member}.csv" for member in KBO_MEMBERS])
        self.assertIsNone(archive_members(io.BytesIO(_read(f"{SAMPLES}be_kbo_meta.csv"))), "a plain file")
        adapter = ADAPTERS["be_kbo"]()
        loader = RegisterLoader(self.env.cr, adapter, 0, uid=self.env.uid, home_country_id=self.country_be.id)
        loader.create_staging()
        with loader.open([binary]):
            self.assertEqual([member.kind for member in loader._members], [
                "companies", "side:denominations", "side:addresses", "side:contacts", "side:activities"])
            while not loader.stage(1 << 20).done:
                pass
        self.env.cr.execute("SELECT count(*) FROM crm_iap_register_sides_0")
        # Only the rows worth staging: enterprises' names of type 001 (10), seats (5),
        # phones, e-mails and websites (4, no fax), main VAT activities in NACE 2008 or 2025 (4).
        self.assertEqual(self.env.cr.fetchone()[0], 23)
        loader.drop_staging()

    @users("user_sales_manager")
    def test_enterprises_are_imported_with_their_seat_name_contacts_and_main_activity(self):
        run = self._import_kbo()
        self.assertEqual(run.state, "done", run.error_message)
        self.assertRecordValues(run, [{
            "imported_count": 6, "excluded_person_count": 1, "excluded_closed_count": 0, "undeliverable_count": 2,
            "bad_row_count": 3, "unknown_industry_count": 0,
        }])
        self.assertEqual(run.bad_rows.splitlines(), [
            "Line 7: the company name is missing.",
            "Line 8: 0403.123.780 is not a valid register number.",
            "Line 11: the company number is missing.",
        ])
        companies = self._companies()
        self.assertEqual(sorted(companies), ["0403123189", "0403123288", "0403123387", "0403123486", "0403123882",
                                             "1000000120"], "no natural person, no bad check digits")
        self.assertRecordValues(companies["0403123189"], [{
            "name": "Noorderlicht Software", "street": "Korenmarkt 12 bus 3", "city": "Gent", "zip": "9000",
            "country_id": self.country_be.id, "industry_id": self.software.id, "founded_year": 2011,
            "phones": "+3292234567", "emails": "info@noorderlicht.example", "domain": "noorderlicht.example",
            "register_status": False,
        }])
        self.assertRecordValues(companies["0403123288"], [{
            "name": 'Boulangerie du Pont "Chez Léon"', "street": "Rue du Pont 5", "city": "Liège",
            "industry_id": self.env.ref("crm_iap_mine.crm_iap_mine_industry_153_154").id,
            "phones": False, "domain": "chezleon.example",
        }])
        self.assertRecordValues(companies["0403123387"], [{
            "name": "Commerce bruxellois, associés", "street": "Rue Neuve 100", "city": "Bruxelles",
            "industry_id": False,
        }])
        self.assertRecordValues(companies["0403123486"], [{
            "name": "Eupener Maschinenbau GmbH", "city": "Eupen", "register_status": "bankrupt",
        }])
        self.assertRecordValues(companies["0403123882"], [{
            "name": "Oude Haven Vereffening", "register_status": "winding_up", "founded_year": 0, "street": False,
        }])
        self.assertRecordValues(companies["1000000120"], [{
            "name": "Zeebrugse Visserij 't Zandje", "city": "Brugge", "street": "Kaai 1",
        }])

        request = self._directory_request(lead_number=10, country_ids=[(6, 0, self.country_be.ids)])
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        self.assertEqual(sorted(request.lead_ids.mapped("partner_name")), [
            'Boulangerie du Pont "Chez Léon"', "Commerce bruxellois, associés", "Noorderlicht Software",
            "Zeebrugse Visserij 't Zandje"], "the bankrupt and the one winding up are never delivered")

    @users("user_sales_manager")
    def test_the_same_extract_again_changes_nothing_and_a_later_one_archives_the_stopped(self):
        self._import_kbo()
        again = self._import_kbo()
        self.assertRecordValues(again, [{"imported_count": 0, "updated_count": 0, "unchanged_count": 6,
                                         "archived_count": 0}])
        enterprises = _read(f"{SAMPLES}be_kbo_enterprise.csv").decode().splitlines(keepends=True)
        later = kbo_zip(replace={"enterprise": "".join(
            line for line in enterprises if not line.startswith('"0403.123.387"')).encode()})
        run = self._import_kbo(later)
        self.assertEqual(run.state, "to_confirm", "1 of the 6 companies to archive, more than 10 %")
        run.action_confirm_archive()
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertRecordValues(run, [{"state": "done", "imported_count": 0, "archived_count": 1}])
        self.assertFalse(self._companies()["0403123387"].active)

    @users("user_sales_manager")
    def test_an_extract_without_its_names_is_refused_whole(self):
        run = self._import_kbo(kbo_zip(drop=("denomination",)))
        self.assertEqual(run.state, "error")
        self.assertIn("it lacks the files of denominations", run.error_message)
        self.assertFalse(self._companies())

    @users("user_sales_manager")
    def test_an_update_extract_is_refused_whole(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("meta.csv", _read(f"{SAMPLES}be_kbo_meta.csv"))
            archive.writestr("enterprise_delete.csv", '"EntityNumber"\n"0403.123.387"\n')
            archive.writestr("enterprise_insert.csv", _read(f"{SAMPLES}be_kbo_enterprise.csv"))
        run = self._import(buffer.getvalue(), "be_kbo", "KboOpenData_0313_2026_12_07_Update.zip", "complete")
        self.assertEqual(run.state, "error")
        self.assertIn("This is an update extract", run.error_message)
        self.assertFalse(self._companies())

    def test_enterprise_and_vat_numbers_link_partners(self):
        self._import(kbo_zip(), "be_kbo", KBO_FULL, "complete")
        companies = self._companies()
        partners = self.env["res.partner"].create([
            {"name": "Noorderlicht", "is_company": True, "vat": "BE 0403.123.189", "country_id": self.country_be.id},
            {"name": "Chez Léon", "is_company": True, "company_registry": "403123288",
             "country_id": self.country_be.id},
            {"name": "Zandje", "is_company": True, "company_registry": "1000.000.120"},
        ])
        partners.with_user(self.user_sales_manager).action_directory_match()
        links = {link.partner_id: link for link in self.env["crm.iap.lead.directory.link"].sudo().search(
            [("partner_id", "in", partners.ids)])}
        self.assertEqual([(links[p].directory_company_id, links[p].evidence, links[p].state) for p in partners], [
            (companies["0403123189"], "vat", "linked"),
            (companies["0403123288"], "register_number", "linked"),
            (companies["1000000120"], "register_number", "linked"),
        ])

    def test_an_upload_of_the_extract_is_a_complete_snapshot_dated_by_its_name(self):
        run = self.imports.create({"register_code": "be_kbo", "file": base64.b64encode(kbo_zip()),
                                   "file_name": KBO_FULL})
        run._onchange_propose_file_scope()
        self.assertEqual(run.file_scope, "complete")
        self.assertEqual(str(run.file_date), "2026-12-06")

    def test_an_import_caught_by_the_upgrade_gets_the_new_staging(self):
        cr = self.env.cr
        cr.execute("CREATE UNLOGGED TABLE crm_iap_register_staging_987654 (line_no integer, register_number varchar)")
        load_migration("17.0.8.0.0", "post-be-kbo").migrate(cr, "17.0.7.0.0")
        load_migration("17.0.8.0.0", "post-be-kbo").migrate(cr, "17.0.7.0.0")   # idempotent
        cr.execute("""SELECT array_agg(attname::text ORDER BY attname) FROM pg_attribute
                       WHERE attrelid = 'crm_iap_register_staging_987654'::regclass AND attnum > 0""")
        # Every column the loader stages today.
        staged = sorted(column.split()[0] for column in STAGING_TABLES["crm_iap_register_staging"].split(","))
        self.assertEqual(cr.fetchone()[0], staged)
        self.assertIn("phones", staged)
        cr.execute("SELECT to_regclass('crm_iap_register_sides_987654') IS NOT NULL")
        self.assertTrue(cr.fetchone()[0])
