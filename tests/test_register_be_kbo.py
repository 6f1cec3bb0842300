import base64
import io
import itertools
import zipfile
from contextlib import closing
from types import SimpleNamespace
from unittest.mock import patch

from odoo.tests import tagged, users
from odoo.tools import config

from ..models import crm_iap_lead_register_import as register_import_module
from ..tools.register_files import archive_members
from ..tools.registers import ADAPTERS
from ..tools.registers.loader import STAGING_TABLES, RegisterLoader
from .common import SAMPLES, RegisterImportCase, _read, load_migration

# The members of a KBO Open Data full extract, in the published order.
KBO_MEMBERS = ("meta", "code", "enterprise", "establishment", "denomination", "address", "contact", "activity",
               "branch")
KBO_FULL = "KboOpenData_0312_2026_12_06_Full.zip"


# The tables of an update extract, each as <table>_delete.csv and <table>_insert.csv.
KBO_UPDATE_TABLES = ("enterprise", "establishment", "denomination", "address", "contact", "activity", "branch")


def kbo_meta(number, extract_type="full"):
    """meta.csv of an extract of this number and type."""
    return (f'"Variable","Value"\n"SnapshotDate","06-12-2026"\n"ExtractTimestamp","07-12-2026 05:12:10"\n'
            f'"ExtractType","{extract_type}"\n"ExtractNumber","{number:04d}"\n"Version","1.0.0"\n').encode()


def kbo_update_zip(number, deletes=None, inserts=None, drop=()):
    """A KBO update extract numbered `number`: per table, the entity numbers
    it deletes (`deletes`: {table: [numbers]}) and the rows it inserts
    (`inserts`: {table: [CSV lines]}), under the headers of the sample
    members; without the members named in `drop`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.csv", kbo_meta(number, "update"))
        archive.writestr("code.csv", _read(f"{SAMPLES}be_kbo_code.csv"))
        for table in KBO_UPDATE_TABLES:
            column = "EnterpriseNumber" if table == "enterprise" else "EntityNumber"
            members = {
                f"{table}_delete.csv": "".join([f'"{column}"\n'] + [f'"{n}"\n' for n in (deletes or {}).get(table, ())]),
                f"{table}_insert.csv": "".join(line + "\n" for line in [
                    _read(f"{SAMPLES}be_kbo_{table}.csv").decode().splitlines()[0]] + (inserts or {}).get(table, [])),
            }
            for name, content in members.items():
                if name not in drop:
                    archive.writestr(name, content.encode())
    return buffer.getvalue()


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
    def test_an_update_extract_lacking_a_file_is_refused_whole(self):
        self._import_kbo()
        before = [(company.name, company.active) for company in self._companies().values()]
        # Its deletions of denominations missing: which entities' names to replace is unknown.
        content = kbo_update_zip(313, {"enterprise": ["0403.123.387"]}, drop=("denomination_delete.csv",))
        run = self._import(content, "be_kbo", "KboOpenData_0313_2026_12_07_Update.zip", "partial")
        self.assertEqual(run.state, "error")
        self.assertIn("lacks the deletions or the insertions of denominations", run.error_message)
        self.assertEqual([(company.name, company.active) for company in self._companies().values()], before)

    @users("user_sales_manager")
    def test_an_update_without_a_full_extract_before_it_is_refused(self):
        content = kbo_update_zip(313, KBO_UPDATE_313["deletes"], KBO_UPDATE_313["inserts"])
        run = self._import(content, "be_kbo", "KboOpenData_0313_2026_12_07_Update.zip", "partial")
        self.assertEqual(run.state, "error")
        self.assertIn("no extract of a known number was imported before it: import the full extract first",
                      run.error_message)
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
        update = self.imports.create({"register_code": "be_kbo", "file": base64.b64encode(kbo_update_zip(313)),
                                      "file_name": "KboOpenData_0313_2026_12_07_Update.zip"})
        update._onchange_propose_file_scope()
        self.assertEqual((update.file_scope, str(update.file_date)), ("partial", "2026-12-07"))

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


# Update 313, after the sample full extract (312).
KBO_UPDATE_313 = {
    "deletes": {
        # Stopped (0403.123.387), deleted and inserted again (its juridical
        # situation changed, 0403.123.486; unchanged, 1000.000.120).
        "enterprise": ["0403.123.486", "0403.123.387", "1000.000.120"],
        # New names (0403.123.189), a stopped enterprise's, a bad number
        # (line 4), one of no company of the directory, an establishment's.
        "denomination": ["0403.123.189", "0403.123.387", "0403.123.781", "0403.124.179", "2.123.456.789"],
        # No contact, no main activity any more (0403.123.288).
        "contact": ["0403.123.288"],
        "activity": ["0403.123.288"],
    },
    "inserts": {
        "enterprise": [
            '"0403.123.486","AC","000","2","610","","15-05-2005"',   # no longer bankrupt, no side row
            '"1000.000.120","AC","000","2","610","","20-06-2022"',
            '"0403.123.585","AC","000","1","","","02-02-2015"',      # a natural person
            '"0403.123.981","AC","000","2","610","","01-12-2026"',   # new
        ],
        "denomination": [
            '"0403.123.189","2","001","Noorderlicht Solutions"',
            '"0403.123.189","1","001","Lumière du Nord Solutions"',
            '"0403.124.179","2","001","Onbekende Vennootschap"',
            '"0403.123.585","2","001","Jan Peeters"',
            '"0403.123.981","1","001","Nouvelle Société Namuroise"',
        ],
        "address": ['"0403.123.981","REGO","","","5000","Namen","Namur","Stationsstraat","Rue de la Gare","2","","",""'],
        "activity": ['"0403.123.288","001","2008","47240","SECO"'],   # a secondary activity only
    },
}


def _kbo_update_name(number):
    return f"KboOpenData_{number:04d}_2026_12_{number - 306:02d}_Update.zip"


@tagged("post_install", "-at_install", "lead_mining")
class TestKboUpdates(RegisterImportCase):
    """Belgium's daily update extracts: per table, every row of the entities
    listed deleted, then the rows inserted; applied in the order of their
    numbers after the full extract."""

    def setUp(self):
        super().setUp()
        self.full = self._import(kbo_zip(), "be_kbo", KBO_FULL, "complete")

    def _update(self, number, changes=None, scope="complete"):
        changes = changes or {}
        return self._import(kbo_update_zip(number, changes.get("deletes"), changes.get("inserts")), "be_kbo",
                            _kbo_update_name(number), scope)

    def _companies(self):
        return self._by_number("be_kbo")

    def _directory(self):
        self.env.invalidate_all()
        self.env.cr.execute("""
            SELECT register_number, name, street, city, zip, industry_id, register_status, phones, emails, domain,
                   active
              FROM crm_iap_lead_directory_company WHERE register_code = 'be_kbo' ORDER BY register_number
        """)
        return self.env.cr.fetchall()

    @staticmethod
    def _result(run):
        return {field: run[field] for field in (
            "state", "error_message", "extract_number", "file_scope", "rows_read", "imported_count", "updated_count",
            "unchanged_count", "archived_count", "excluded_person_count", "excluded_closed_count", "bad_row_count",
            "bad_rows", "undeliverable_count")}

    def test_the_full_extract_gives_its_number(self):
        self.assertEqual(self.full.state, "done", self.full.error_message)
        self.assertEqual(self.full.extract_number, 312, "meta.csv's ExtractNumber")

    @users("user_sales_manager")
    def test_an_update_deletes_then_inserts_each_table_of_the_entities_it_lists(self):
        run = self._update(313, KBO_UPDATE_313)
        self.assertEqual(self._result(run), {
            "state": "done", "error_message": False, "extract_number": 313,
            "file_scope": "partial",   # an update is never the whole register, whatever was chosen
            # 4 + 5 + 1 + 1 rows inserted, 3 + 5 + 1 + 1 deleted (those of establishments and branches not read).
            "rows_read": 21, "imported_count": 1, "updated_count": 3, "unchanged_count": 1, "archived_count": 1,
            "excluded_person_count": 1, "excluded_closed_count": 0, "bad_row_count": 1,
            "bad_rows": "denomination_delete.csv: Line 4: 0403.123.781 is not a valid register number.",
            "undeliverable_count": 0,
        })
        self.assertIn("As a partial file", run.result_summary)
        companies = self._companies()
        self.assertNotIn("0403123585", companies, "a natural person is never imported")
        self.assertNotIn("0403124179", companies, "names of a company the directory lacks are ignored")
        self.assertRecordValues(companies["0403123486"], [{
            # Inserted again without its side rows: its name, seat and activity kept.
            "name": "Eupener Maschinenbau GmbH", "city": "Eupen", "street": "Aachener Straße 7", "zip": "4700",
            "register_status": False, "active": True,
        }])
        self.assertRecordValues(companies["0403123189"], [{
            # Its names only: the Dutch one (its seat, kept, is in Ghent); the rest kept.
            "name": "Noorderlicht Solutions", "street": "Korenmarkt 12 bus 3", "city": "Gent", "zip": "9000",
            "industry_id": self.software.id, "phones": "+3292234567", "emails": "info@noorderlicht.example",
            "domain": "noorderlicht.example", "founded_year": 2011, "active": True,
        }])
        self.assertRecordValues(companies["0403123288"], [{
            # Its contacts deleted, none inserted: a website is kept unless a
            # register gives one (it may have been added by hand); its main
            # activity deleted, none inserted: no industry.
            "name": 'Boulangerie du Pont "Chez Léon"', "city": "Liège", "domain": "chezleon.example",
            "industry_id": False, "active": True,
        }])
        self.assertFalse(companies["0403123387"].active, "deleted, not inserted again: stopped")
        self.assertRecordValues(companies["1000000120"], [{
            "name": "Zeebrugse Visserij 't Zandje", "street": "Kaai 1", "active": True}])
        self.assertRecordValues(companies["0403123882"], [{
            "name": "Oude Haven Vereffening", "register_status": "winding_up", "active": True,
        }])   # not in the update: not archived
        self.assertRecordValues(companies["0403123981"], [{
            "name": "Nouvelle Société Namuroise", "street": "Rue de la Gare 2", "city": "Namur", "zip": "5000",
            "founded_year": 2026, "active": True,
        }])

        events = self.env["crm.iap.lead.directory.event"].sudo().search([("import_id", "=", run.id)])
        self.assertEqual(sorted((event.company_id.register_number, event.kind) for event in events), [
            ("0403123189", "name"), ("0403123288", "industry"), ("0403123387", "gone"),
            ("0403123486", "status"), ("0403123981", "new")])

    def test_an_update_is_recognised_by_its_content_whatever_its_name(self):
        content = kbo_update_zip(313, KBO_UPDATE_313["deletes"], KBO_UPDATE_313["inserts"])
        run = self._import(content, "be_kbo", "download.zip", "complete")
        self.assertRecordValues(run, [{"state": "done", "extract_number": 313, "file_scope": "partial",
                                       "imported_count": 1, "archived_count": 1}])
        self.assertTrue(self._companies()["0403123882"].active, "an update archives only what it deletes")
        # Its description without its number: it cannot be put in order.
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(kbo_update_zip(314))) as source, zipfile.ZipFile(buffer, "w") as archive:
            for name in source.namelist():
                archive.writestr(name, source.read(name) if name != "meta.csv" else kbo_meta(314, "update").replace(
                    b'"ExtractNumber","0314"', b'"ExtractNumber",""'))
        unnumbered = self._import(buffer.getvalue(), "be_kbo", _kbo_update_name(314), "partial")
        self.assertEqual(unnumbered.state, "error")
        self.assertIn("does not give its number (ExtractNumber in meta.csv)", unnumbered.error_message)

    def test_updates_are_imported_in_the_order_of_their_numbers(self):
        self.assertEqual(self._update(313, KBO_UPDATE_313).state, "done")
        again = self._update(313, KBO_UPDATE_313)
        self.assertEqual((again.state, again.error_message), ("error", (
            "This is update extract number 313 of Crossroads Bank for Enterprises, KBO/BCE (Belgium), but the "
            "last extract imported is number 313: the update expected is number 314. Updates are imported one "
            "after the other in the order of their numbers. Nothing was imported.")))
        gap = self._update(315)
        self.assertEqual(gap.state, "error")
        self.assertIn("update extract number 315", gap.error_message)
        self.assertIn("the update expected is number 314", gap.error_message)
        self.assertEqual(again.extract_number, 313, "the number read is kept on a refused import")
        self.assertFalse(self.env["crm.iap.lead.directory.event"].sudo().search_count(
            [("import_id", "in", (again + gap).ids)]), "nothing imported")
        self.assertRecordValues(self._update(314), [{"state": "done", "extract_number": 314}])

    def test_two_updates_queued_are_checked_as_each_runs(self):
        runs = self.imports.create([{
            "register_code": "be_kbo", "file_name": _kbo_update_name(number), "file_scope": "partial",
            "file": base64.b64encode(kbo_update_zip(number, changes.get("deletes"), changes.get("inserts"))),
        } for number, changes in ((313, KBO_UPDATE_313), (314, {"deletes": {"enterprise": ["1000.000.120"]}}))])
        for run in runs:
            run.action_queue()   # the second is queued before the first is done
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(runs.mapped("state"), ["done", "done"], runs.mapped("error_message"))
        self.assertEqual(runs.mapped("archived_count"), [1, 1])
        self.assertFalse(self._companies()["1000000120"].active)

    def _run_in_steps(self, number, changes):
        """Import update `number` in the background, one step per run of the
        job (a step reads one row, merges one company); return the runs'
        phases."""
        run = self.imports.create({
            "register_code": "be_kbo", "file_name": _kbo_update_name(number), "file_scope": "complete",
            "file": base64.b64encode(kbo_update_zip(number, changes.get("deletes"), changes.get("inserts")))})
        run.action_queue()
        # A clock of the job that moves 0.3 s at each look, and a budget of 1 s.
        ticks = itertools.count()
        clock = SimpleNamespace(monotonic=lambda: 0.3 * next(ticks))
        phases = []
        with patch.dict(config.options, {"limit_time_real_cron": 2}), \
                patch.object(register_import_module, "time", clock), \
                patch.object(register_import_module, "READ_CHUNK_BYTES", 1), \
                patch.object(register_import_module, "MERGE_CHUNK_ROWS", 1):
            while run.state in ("queued", "running") and len(phases) < 100:
                self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
                self.env.invalidate_all()
                phases.append(run.phase)
        return run, phases

    def test_an_update_over_several_runs_of_the_job_gives_the_result_of_one_run(self):
        with closing(self.env.cr.savepoint()):
            reference = self._update(313, KBO_UPDATE_313)
            expected = (self._result(reference), self._directory())
        self.env.invalidate_all()
        self.assertEqual(expected[0]["updated_count"], 3)
        run, phases = self._run_in_steps(313, KBO_UPDATE_313)
        self.assertGreater(phases.count("read"), 10, phases)
        self.assertGreater(phases.count("merge"), 3, phases)
        self.assertEqual((self._result(run), self._directory()), expected)

    def test_an_update_of_side_rows_only_over_several_runs(self):
        # Nothing staged in the companies' table while it is read: not taken
        # for a staging lost in a crash (which would start it again at each run).
        run, phases = self._run_in_steps(313, {
            "deletes": {"denomination": ["0403.123.189"]},
            "inserts": {"denomination": ['"0403.123.189","2","001","Noorderlicht Solutions"']}})
        self.assertGreaterEqual(phases.count("read"), 2, phases)
        self.assertRecordValues(run, [{"state": "done", "updated_count": 1, "rows_read": 2}])
        self.assertEqual(self._companies()["0403123189"].name, "Noorderlicht Solutions")

    def test_an_import_caught_by_the_upgrade_gets_the_staging_of_updates(self):
        cr = self.env.cr
        cr.execute("""CREATE UNLOGGED TABLE crm_iap_register_staging_987655 (line_no integer, register_number varchar);
                      CREATE UNLOGGED TABLE crm_iap_register_sides_987655 (
                          register_number varchar NOT NULL, line_no integer NOT NULL, fields jsonb)""")
        for _run in range(2):   # idempotent
            load_migration("17.0.9.0.0", "pre-kbo-updates").migrate(cr, "17.0.8.0.0")
        cr.execute("""SELECT array_agg(attname::text ORDER BY attname) FROM pg_attribute
                       WHERE attrelid = 'crm_iap_register_sides_987655'::regclass AND attnum > 0""")
        self.assertEqual(cr.fetchone()[0], ["fields", "kind", "line_no", "register_number"])
        cr.execute("SELECT to_regclass('crm_iap_register_deletes_987655') IS NOT NULL")
        self.assertTrue(cr.fetchone()[0])
