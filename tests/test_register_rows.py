"""Register files row by row: bad rows, the reason each row left out is
counted under, companies on their way out, Norway's JSON and hostile files."""
import base64
import csv
import gzip
import io
import json
import random
import time
import tracemalloc
from datetime import date
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged, users

from odoo.addons.crm_iap_mine.tools import register_files
from odoo.addons.crm_iap_mine.tools.registers.base import day_first_date

from .common import (
    FR_ESTABLISHMENTS, FR_UNITS, SAMPLES, UK_JANUARY, RegisterImportCase, _brreg_json, _read, _sample, _zipped,
)


def _csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _write(header, rows):
    return _csv(header, [[row[column] for column in header] for row in rows])


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterBadRows(RegisterImportCase):
    """A malformed key or a bad value makes a bad row, counted, listed by line and skipped, never fatal."""

    def _uk_rows(self, changes):
        """The first company of the UK sample once per change, each with
        its number and the given columns changed."""
        header, rows = _sample(UK_JANUARY)
        first = rows[0]
        return header, [dict(first, **{" CompanyNumber": number}, **change) for number, change in changes]

    @users("user_sales_manager")
    def test_uk_bad_keys_and_values_make_bad_rows_not_a_failed_import(self):
        header, rows = self._uk_rows([
            ("09100001", {}),
            ("9100002", {}),                                        # 7 characters
            ("0910000a", {}),                                       # lower case
            ("09100004", {"CompanyName": "N" * 161}),               # over the published 160
            ("09100005", {"CompanyName": "N" * 160}),               # at the limit: fine
            ("09100006", {"RegAddress.PostTown": "LON\x00DON"}),    # NUL byte
            ("09100007", {"CompanyStatus": "Dissolved", "IncorporationDate": "99/99/2015"}),  # bad first
            ("09100008", {"CompanyStatus": "Dissolved"}),
            ("09100009", {"IncorporationDate": "//////////"}),    # checked before it is read as numbers
        ])
        run = self._import(_write(header, rows))
        self.assertEqual(run.state, "done", run.error_message)
        self.assertRecordValues(run, [{"rows_read": 9, "imported_count": 2, "bad_row_count": 6,
                                       "excluded_closed_count": 1}])
        self.assertEqual(run.bad_rows.splitlines(), [
            "Line 3: 9100002 is not a valid register number.",
            "Line 4: 0910000a is not a valid register number.",
            "Line 5: the column CompanyName is longer than the register publishes.",
            "Line 7: the column RegAddress.PostTown holds a NUL byte.",
            "Line 8: 99/99/2015 is not a date (dd/mm/yyyy).",
            "Line 10: ////////// is not a date (dd/mm/yyyy).",
        ])
        self.assertEqual(sorted(self._by_number("gb_companies_house")), ["09100001", "09100005"])

    @users("user_sales_manager")
    def test_the_first_100_bad_rows_are_listed_and_all_are_counted(self):
        header, rows = self._uk_rows([(f"BAD{index}", {}) for index in range(150)] + [("09100001", {})])
        run = self._import(_write(header, rows))
        self.assertRecordValues(run, [{"state": "done", "bad_row_count": 150, "imported_count": 1}])
        listed = run.bad_rows.splitlines()
        self.assertEqual(len(listed), 100)
        self.assertEqual(listed[0], "Line 2: BAD0 is not a valid register number.")
        self.assertEqual(listed[-1], "Line 101: BAD99 is not a valid register number.")

    @users("user_sales_manager")
    def test_a_bad_row_keeps_its_company_from_being_archived(self):
        header, rows = self._uk_rows([("09100001", {}), ("09100002", {})])
        self._import(_write(header, rows))
        rows[1]["RegAddress.PostTown"] = "X" * 51
        run = self._import(_write(header, rows))
        self.assertRecordValues(run, [{"state": "done", "bad_row_count": 1, "archived_count": 0}])
        self.assertTrue(self._by_number("gb_companies_house")["09100002"].active)

    @users("user_sales_manager")
    def test_norway_a_number_too_big_is_a_bad_row_and_bad_rows_come_before_exclusions(self):
        header, rows = _sample(SAMPLES + "no_brreg_enheter.csv")
        company, person = rows[0], rows[2]
        rows = [
            company,
            dict(company, organisasjonsnummer="910000011", antallAnsatte="99999999999"),
            dict(person, organisasjonsnummer="910000012", antallAnsatte="mange"),  # a person, but bad first
            dict(person, organisasjonsnummer="910000013", konkurs="true"),          # a person first
            # Dates are checked before they are read as numbers: no date.
            dict(company, organisasjonsnummer="910000014", stiftelsesdato="----------",
                 registreringsdatoEnhetsregisteret="2026-02-30"),
        ]
        run = self._import(_write(header, rows), "no_brreg")
        self.assertEqual(run.state, "done", run.error_message)
        self.assertFalse(self._by_number("no_brreg")["910000014"].founded_date)
        self.assertRecordValues(run, [{"imported_count": 2, "bad_row_count": 2, "excluded_person_count": 1,
                                       "excluded_closed_count": 0}])
        self.assertEqual(run.bad_rows.splitlines(), [
            "Line 3: 99999999999 is too big a number.",
            "Line 4: mange is not a number of employees.",
        ])

    def test_day_first_dates_are_checked_before_any_cast(self):
        """Belgium's dd-mm-yyyy and Estonia's dd.mm.yyyy: a malformed date is
        empty, never a cast error failing the whole block."""
        for text, separator, expected in (
                ("01.02.2020", ".", date(2020, 2, 1)), (" 31-12-1999 ", "-", date(1999, 12, 31)),
                ("01.02.20.20", ".", None), ("1.2.2020", ".", None), ("31.02.2020", ".", None),
                ("01-02-2020", ".", None), ("ab.cd.efgh", ".", None), ("", "-", None)):
            with self.subTest(text=text):
                self.env.cr.execute(f"SELECT {day_first_date('v.text', separator)} FROM (SELECT %s::text AS text) v",
                                    [text])
                self.assertEqual(self.env.cr.fetchone()[0], expected)


@tagged("post_install", "-at_install", "lead_mining")
class TestSireneRows(RegisterImportCase):
    """SIRENE: SIRETs checked on every establishment; a reason of the legal unit outranks the establishment's."""

    def _import_pair(self, establishments, units):
        run = self.imports.create({
            "register_code": "fr_sirene", "file": base64.b64encode(establishments),
            "second_file": base64.b64encode(units),
        })
        run.action_import()
        return run

    @users("user_sales_manager")
    def test_bad_sirets_and_sirens_are_bad_rows_and_a_natural_person_counts_first(self):
        header, rows = _sample(FR_ESTABLISHMENTS)
        unit_header, units = _sample(FR_UNITS)
        headquarters, branch = rows[0], rows[1]
        rows += [
            dict(branch, siret="5520000010002"),               # a branch: 13 digits
            dict(branch, siret="55200000200099"),              # a branch: another SIREN's
            # A natural person (its unit) whose headquarters is closed: a natural person.
            dict(headquarters, siren="552000020", siret="55200002000015", etatAdministratifEtablissement="F"),
        ]
        units += [
            dict(units[2], siren="552000020"),                 # category 1000
            dict(units[0], siren="55200002"),                  # 8 digits
        ]
        run = self._import_pair(_write(header, rows), _write(unit_header, units))
        self.assertEqual(run.state, "done", run.error_message)
        # The sample's own: 552000004 (a natural person, not diffusible) counts as a natural person.
        self.assertRecordValues(run, [{"imported_count": 3, "excluded_person_count": 3,
                                       "excluded_private_count": 1, "excluded_closed_count": 1,
                                       "bad_row_count": 5}])
        self.assertEqual(run.bad_rows.splitlines(), [
            # Line 11 of the legal units file, read first; then the establishments.
            "Line 11: 55200002 is not a valid register number.",
            "Line 9: 55200X008 is not a valid register number.",
            "Line 12: 5520000010002 is not a valid SIRET (14 digits starting with the SIREN).",
            "Line 13: 55200000200099 is not a valid SIRET (14 digits starting with the SIREN).",
            "Line 10: the legal unit 552000009 is not in the legal units file.",
        ])


@tagged("post_install", "-at_install", "lead_mining")
class TestCompaniesOnTheirWayOut(RegisterImportCase):
    """Bankrupt, in liquidation, administration, receivership, proposed for strike-off, winding up:
    imported with their status and its date, never delivered, counted as imported, not deliverable."""

    def _uk_file(self, statuses):
        header, rows = _sample(UK_JANUARY)
        return _write(header, [dict(rows[0], **{" CompanyNumber": number, "CompanyStatus": status})
                               for number, status in statuses])

    def _engine_pick(self, country):
        """The companies the directory engine picks for a search as the service builds it."""
        from odoo.addons.crm_iap_mine.models.crm_iap_lead_directory_search import DirectorySearch
        company_ids, _known = self.env["crm.iap.lead.directory.search"]._pick_companies(DirectorySearch(
            company_id=self.env.company.id, country_ids=country.ids, limit=50, seed="service", known_ids=[]))
        return set(self.env["crm.iap.lead.directory.company"].browse(company_ids).mapped("register_number"))

    @users("user_sales_manager")
    def test_uk_companies_on_their_way_out_are_kept_and_never_delivered(self):
        country_gb = self.env.ref("base.uk")
        run = self._import(self._uk_file([
            ("09200001", "Active"), ("09200002", "Liquidation"), ("09200003", "In Administration"),
            ("09200004", "Receivership"), ("09200005", "Active - Proposal to Strike off"),
            ("09200006", "Dissolved"),
        ]))
        self.assertEqual(run.state, "done", run.error_message)
        self.assertRecordValues(run, [{"imported_count": 5, "undeliverable_count": 4, "excluded_closed_count": 1}])
        companies = self._register_companies()
        today = fields.Date.context_today(companies[:1])
        self.assertEqual({company.register_number: (company.register_status, company.register_status_date)
                          for company in companies}, {
            "09200001": (False, False), "09200002": ("liquidation", today), "09200003": ("administration", today),
            "09200004": ("receivership", today), "09200005": ("strike_off", today),
        })
        self.assertTrue(all(companies.mapped("active")), "kept active: the register watch follows them")

        self.assertEqual(self._engine_pick(country_gb), {"09200001"}, "the service never picks them")
        request = self._directory_request(lead_number=10, country_ids=[(6, 0, country_gb.ids)])
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["NORDWIND SOFTWARE LTD"])
        self.assertEqual(len(request.lead_ids), 1)

    @users("user_sales_manager")
    def test_the_status_date_is_the_day_it_changed_and_a_recovery_clears_it(self):
        self._import(self._uk_file([("09200001", "Liquidation"), ("09200002", "In Administration"),
                                    ("09200003", "Receivership")]))
        companies = self._register_companies()
        long_ago = fields.Date.to_date("2020-01-01")
        companies.sudo().write({"register_status_date": long_ago})
        run = self._import(self._uk_file([("09200001", "Liquidation"), ("09200002", "Liquidation"),
                                          ("09200003", "Active")]))
        self.assertRecordValues(run, [{"undeliverable_count": 2, "updated_count": 2, "unchanged_count": 1}])
        companies.invalidate_recordset()
        today = fields.Date.context_today(companies[:1])
        self.assertEqual({company.register_number: (company.register_status, company.register_status_date)
                          for company in companies}, {
            "09200001": ("liquidation", long_ago),      # unchanged: the day it was first seen stays
            "09200002": ("liquidation", today),         # administration, now liquidation
            "09200003": (False, False),                 # out of receivership: delivered again
        })
        self.assertEqual(self._engine_pick(self.env.ref("base.uk")), {"09200003"})

    @users("user_sales_manager")
    def test_norway_bankrupt_and_winding_up_with_the_register_s_date(self):
        header, rows = _sample(SAMPLES + "no_brreg_enheter.csv")
        company = rows[0]
        rows = [
            company,
            dict(company, organisasjonsnummer="910000021", konkurs="true", konkursdato="2025-11-03"),
            # Bankrupt comes before winding up.
            dict(company, organisasjonsnummer="910000022", konkurs="true", konkursdato="2025-10-01",
                 underAvvikling="true", underAvviklingDato="2025-09-01"),
            dict(company, organisasjonsnummer="910000023", underAvvikling="true", underAvviklingDato="2025-08-15"),
            dict(company, organisasjonsnummer="910000024", underTvangsavviklingEllerTvangsopplosning="true",
                 tvangsavvikletPgaManglendeSlettingDato="2025-07-01"),
            # A person stays excluded, whatever else.
            dict(rows[2], organisasjonsnummer="910000025", konkurs="true"),
        ]
        run = self._import(_write(header, rows), "no_brreg")
        self.assertRecordValues(run, [{"state": "done", "imported_count": 5, "undeliverable_count": 4,
                                       "excluded_person_count": 1}])
        units = self._by_number("no_brreg")
        self.assertEqual({number: (unit.register_status, str(unit.register_status_date or ""))
                          for number, unit in units.items()}, {
            "910000001": (False, ""), "910000021": ("bankrupt", "2025-11-03"),
            "910000022": ("bankrupt", "2025-10-01"), "910000023": ("winding_up", "2025-08-15"),
            "910000024": ("winding_up", "2025-07-01"),
        })
        self.assertEqual(self._engine_pick(self.env.ref("base.no")), {"910000001"})

    @users("user_sales_manager")
    def test_france_a_company_en_liquidation_is_winding_up(self):
        header, rows = _sample(FR_ESTABLISHMENTS)
        unit_header, units = _sample(FR_UNITS)
        units[0]["denominationUniteLegale"] += " EN LIQUIDATION"
        units[0]["dateDebut"] = "2025-06-30"
        run = self.imports.create({
            "register_code": "fr_sirene", "file": base64.b64encode(_write(header, rows)),
            "second_file": base64.b64encode(_write(unit_header, units)),
        })
        run.action_import()
        self.assertRecordValues(run, [{"state": "done", "imported_count": 3, "undeliverable_count": 1}])
        companies = self._by_number("fr_sirene")
        self.assertEqual(companies["552000001"].register_status, "winding_up")
        self.assertEqual(str(companies["552000001"].register_status_date), "2025-06-30")
        self.assertEqual(self._engine_pick(self.env.ref("base.fr")), {"552000002", "552000010"})

    def test_the_picking_indexes_leave_them_out(self):
        self.env.cr.execute("""SELECT indexname FROM pg_indexes WHERE tablename = 'crm_iap_lead_directory_company'
                                  AND indexdef LIKE '%%WHERE (active AND (register_status IS NULL)%%'
                                  AND indexdef LIKE '%%(advertising_protected IS NOT TRUE)%%'""")
        self.assertEqual(sorted(name for name, in self.env.cr.fetchall()), [
            "crm_iap_lead_directory_company_pickable_fresh_idx", "crm_iap_lead_directory_company_pickable_idx",
            "crm_iap_lead_directory_company_pickable_rotation_idx"], "nor those refusing advertising")


@tagged("post_install", "-at_install", "lead_mining")
class TestBrregJson(RegisterImportCase):
    """Norway's enheter_alle.json.gz: one JSON array, read as a stream, the same companies as its CSV."""

    def _snapshot(self):
        return {company.register_number: company.read([
            "name", "street", "city", "zip", "country_id", "industry_id", "employees", "domain", "founded_year",
            "register_status", "register_status_date", "active"])[0]
            for company in self._register_companies("no_brreg")}

    def _counts(self, run):
        return {field: run[field] for field in (
            "rows_read", "excluded_person_count", "excluded_closed_count", "bad_row_count", "undeliverable_count",
            "unknown_industry_count", "bad_rows")}

    @users("user_sales_manager")
    def test_the_json_download_gives_the_same_companies_as_the_csv(self):
        csv_content = _read(SAMPLES + "no_brreg_enheter.csv")
        _header, rows = _sample(SAMPLES + "no_brreg_enheter.csv")
        elements = _brreg_json(rows)
        self.assertEqual(elements[0]["forretningsadresse"]["adresse"], ["Storgata 1"])
        from_csv = self._import(gzip.compress(csv_content), "no_brreg", "enheter_alle.csv.gz")
        self.assertEqual(from_csv.state, "done", from_csv.error_message)
        companies = self._snapshot()
        self.assertEqual(len(companies), 5)
        # One line, as published, gzipped; then pretty-printed over many lines.
        for content in (json.dumps(elements, ensure_ascii=False), json.dumps(elements, indent=2)):
            with self.subTest(lines=content.count("\n") + 1):
                from_json = self._import(gzip.compress(content.encode()), "no_brreg", "enheter_alle.json.gz")
                self.assertEqual(from_json.state, "done", from_json.error_message)
                self.assertEqual(self._counts(from_json), dict(self._counts(from_csv), bad_rows=(
                    # Elements are numbered from 1: the CSV's line 7 is element 6.
                    "Line 6: 12345 is not a valid register number.\n"
                    "Line 7: mange is not a number of employees.")))
                self.assertRecordValues(from_json, [{"imported_count": 0, "updated_count": 0, "unchanged_count": 5,
                                                     "archived_count": 0}])
                self.assertEqual(self._snapshot(), companies)

    @users("user_sales_manager")
    def test_an_element_over_the_limit_says_so(self):
        _header, rows = _sample(SAMPLES + "no_brreg_enheter.csv")
        elements = _brreg_json(rows[:2])
        elements[1]["beskrivelse"] = "x" * (register_files.MAX_ELEMENT_CHARS + 10)
        run = self._import(gzip.compress(json.dumps(elements).encode()), "no_brreg")
        self.assertEqual(run.state, "error")
        self.assertEqual(run.error_message, "Element 2 of the JSON array is longer than 1,048,576 characters, "
                                            "more than any register file has. Nothing was imported.")
        self.assertFalse(self._register_companies("no_brreg"))
        cut = self._import(gzip.compress(json.dumps(elements[:1]).encode()[:-1]), "no_brreg")
        self.assertEqual(cut.state, "error")
        self.assertIn("Element 2: the file is not a JSON array of objects", cut.error_message)


@tagged("post_install", "-at_install", "lead_mining")
class TestHostileRegisterFiles(RegisterImportCase):
    """Lines and JSON elements capped, zip and gzip capped in size and ratio, duplicates counted in SQL."""

    @users("user_sales_manager")
    def test_a_gzip_of_one_endless_line_fails_fast_in_little_memory(self):
        compressed = io.BytesIO()
        with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=9) as endless:
            chunk = b"A" * (1 << 20)
            while compressed.tell() < 300_000:
                endless.write(chunk)
        content = compressed.getvalue()
        self.assertLess(len(content), 330_000)
        run = self.imports.create({"register_code": "gb_companies_house", "file": base64.b64encode(content)})
        tracemalloc.start()
        try:
            started = time.monotonic()
            run.action_import()
            elapsed = time.monotonic() - started
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(run.state, "error")
        self.assertEqual(run.error_message, "Line 1 is longer than 1,048,576 bytes, more than any register "
                                            "file has. Nothing was imported.")
        self.assertLess(elapsed, 5)
        self.assertLess(peak, 100 << 20, f"{peak / (1 << 20):.1f} MiB")

    @users("user_sales_manager")
    def test_a_long_line_further_down_is_named_and_a_long_field_is_no_damage(self):
        header, rows = _sample(UK_JANUARY)
        # 200 KB in a column the import does not read: a valid file (the csv
        # module's own field limit, 128 KiB, called it damaged).
        rows[1]["URI"] = "u" * 200_000
        rows[2]["URI"] = "u" * (register_files.MAX_LINE_BYTES + 1)
        run = self._import(_write(header, rows))
        self.assertEqual(run.state, "error")
        self.assertEqual(run.error_message, "Line 4 is longer than 1,048,576 bytes, more than any register "
                                            "file has. Nothing was imported.")
        del rows[2]
        run = self._import(_write(header, rows))
        self.assertEqual(run.state, "done", run.error_message)
        self.assertIn("HIGHLAND DISTILLERS LIMITED", self._register_companies().mapped("name"))

    @users("user_sales_manager")
    def test_compression_bombs_are_refused(self):
        header, rows = _sample(UK_JANUARY)
        # One row repeated: 1,000 times smaller compressed.
        rows_bomb = _write(header, rows[:1] * 20_000)
        # gzip: judged while read, once past 4 MiB.
        started = time.monotonic()
        run = self._import(gzip.compress(rows_bomb, compresslevel=9))
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(run.state, "error")
        self.assertEqual(run.error_message, "The compressed file expands to more than 100 times its size, which no "
                                            "register file does: it was not read further. Nothing was imported.")
        # zip: refused on what the archive declares.
        run = self._import(_zipped(rows_bomb))
        self.assertEqual(run.error_message, "The compressed file expands to more than 100 times its size, which no "
                                            "register file does: it was not read further. Nothing was imported.")
        # The size cap (40 GB) on a smaller file: past it, refused while read.
        content = b"".join(_write(header, rows) for _round in range(400))
        with patch.object(register_files, "MAX_DECOMPRESSED_BYTES", 1 << 20):
            run = self._import(gzip.compress(content))
        self.assertEqual(run.state, "error")
        self.assertIn("The compressed file holds more than 1,048,576 bytes", run.error_message)
        self.assertFalse(self._register_companies())

    def test_a_block_of_a_zip_or_gzip_member_costs_about_its_own_size(self):
        # Incompressible rows (hex of random numbers): zipfile, asked for a
        # whole block at once, read as many compressed bytes and kept both
        # (a 16 MiB block then cost 71 MiB).
        lines = b"".join(b"%d,%032x\n" % (line, random.getrandbits(128)) for line in range(900_000))
        block = 16 << 20
        self.assertGreater(len(lines), block * 2)
        for name, content in (("zip", _zipped(b"a,b\n" + lines)), ("gzip", gzip.compress(b"a,b\n" + lines, 1))):
            with self.subTest(name), register_files.open_register_file(io.BytesIO(content)) as text:
                text.readline(register_files.MAX_LINE_BYTES)
                tracemalloc.start()
                try:
                    read = len(text.read_bytes(block)) + len(text.read_bytes(block))
                    _current, peak = tracemalloc.get_traced_memory()
                finally:
                    tracemalloc.stop()
                self.assertEqual(read, 2 * block)
                self.assertLess(peak, block * 1.5, f"{peak / (1 << 20):.1f} MiB")

    @users("user_sales_manager")
    def test_duplicate_numbers_are_counted_and_listed_up_to_100(self):
        header, rows = _sample(UK_JANUARY)
        run = self._import(_write(header, [rows[0]] * 5001))
        self.assertRecordValues(run, [{"state": "done", "imported_count": 1, "bad_row_count": 5000}])
        listed = run.bad_rows.splitlines()
        self.assertEqual(len(listed), 100)
        self.assertEqual(listed[-1], "Line 102: the number 09000001 is already on an earlier line.")
