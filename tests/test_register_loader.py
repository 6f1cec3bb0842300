import gzip
import io
import json
from contextlib import closing

from odoo.tests import TransactionCase, tagged
from odoo.tools import file_open

from ..tools.register_files import RegisterFileError
from ..tools.registers import ADAPTERS
from ..tools.registers.loader import RegisterLoader
from .common import _brreg_json, _sample

SAMPLES = "crm_iap_mine/tests/data/registers/"
UK_JANUARY = SAMPLES + "gb_companies_house_2026-01.csv"
UK_FEBRUARY = SAMPLES + "gb_companies_house_2026-02.csv"
# Given establishments first: the loader stages the legal units (8 rows) first.
FR_PAIR = [SAMPLES + "fr_sirene_StockEtablissement.csv", SAMPLES + "fr_sirene_StockUniteLegale.csv"]
COMPANY_COLUMNS = ("register_number, name, street, city, zip, country_id, state_id, industry_id, employees, "
                   "domain, founded_year, active")


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterLoader(TransactionCase):
    """The register loader's steps, driven one by one as an import does."""

    def _loader(self, register):
        adapter = ADAPTERS[register]()
        country = self.env["res.country"].search([("code", "=", adapter.country_code)], limit=1)
        return RegisterLoader(self.env.cr, adapter, 0, uid=self.env.uid, home_country_id=country.id)

    def _binaries(self, paths):
        binaries = []
        for path in paths:
            with file_open(path, "rb") as sample:
                binaries.append(io.BytesIO(sample.read()))
        return binaries

    def _stage(self, loader, paths, size, position=None, create=True, steps=None):
        """Stage the files about `size` bytes at a time (`steps` calls at
        most): what each call of `stage` returned."""
        progress = []
        if create:
            loader.create_staging()
        with loader.open(self._binaries(paths), position):
            while not (progress and progress[-1].done) and len(progress) != steps:
                progress.append(loader.stage(size))
        return progress

    def _staged(self, loader):
        cr = self.env.cr
        cr.execute(f"SELECT * FROM {loader.tables['crm_iap_register_staging']} ORDER BY line_no")
        companies = cr.fetchall()
        cr.execute(f"SELECT * FROM {loader.tables['crm_iap_register_units']} ORDER BY register_number")
        return companies, cr.fetchall()

    def _companies(self, register):
        self.env.cr.execute(f"SELECT {COMPANY_COLUMNS} FROM crm_iap_lead_directory_company "
                            "WHERE register_code = %s ORDER BY register_number", [register])
        return self.env.cr.fetchall()

    def _merge(self, loader, limit=None):
        loader.drop_duplicates()
        loader.apply_units()
        calls = 1
        while not loader.merge(limit):
            calls += 1
        loader.archive(complete=True)
        loader.drop_staging()
        return calls

    def _run(self, register, paths, size, merge_limit=None):
        """A whole import through the steps, rolled back: the positions
        reported, the rows staged, the counters, the bad rows listed and
        the register's companies after it."""
        with closing(self.env.cr.savepoint()):
            loader = self._loader(register)
            progress = self._stage(loader, paths, size)
            staged = self._staged(loader)
            merges = self._merge(loader, merge_limit)
            return {
                "progress": progress, "staged": staged, "counters": dict(loader.counters), "merges": merges,
                "bad_rows": [(line, bad.reason, bad.value) for line, bad in loader.bad_rows],
                "companies": self._companies(register),
            }

    def _assert_same_import(self, run, reference):
        for key in ("staged", "counters", "bad_rows", "companies"):
            self.assertEqual(run[key], reference[key], key)

    def test_staging_in_steps_gives_the_rows_of_one_step(self):
        at_once = self._run("gb_companies_house", [UK_JANUARY], 1 << 20)
        self.assertEqual([step.position[:2] for step in at_once["progress"]], [(1, 0)])
        self.assertEqual(len(at_once["staged"][0]), 10,
                         "7 companies, a bad date and a missing name kept as skipped, a duplicate")
        self.assertEqual((at_once["counters"]["rows_read"], at_once["counters"]["imported_count"]), (10, 7))
        self.assertEqual([reason for _line, reason, _value in at_once["bad_rows"]],
                         ["bad_date", "missing_name", "duplicate_number"])
        self.assertEqual(len(at_once["companies"]), 7)
        for size in (1, 600, 1500):
            with self.subTest(size=size):
                self._assert_same_import(self._run("gb_companies_house", [UK_JANUARY], size), at_once)
        # A step reads whole rows, at least one: one byte at a time, a row per step.
        steps = self._run("gb_companies_house", [UK_JANUARY], 1)["progress"]
        self.assertEqual([step.position[:2] for step in steps], [(0, rows) for rows in range(1, 11)] + [(1, 0)])
        self.assertEqual([step.done for step in steps], [False] * 10 + [True])
        fractions = [step.fraction for step in steps]
        # The bytes the reader took from the file, buffered: all of it at once for so small a file.
        self.assertEqual(fractions, sorted(fractions), "the share read only grows")
        self.assertTrue(0 < fractions[0] <= 1 and fractions[-1] == 1)

    def test_staging_steps_go_from_one_file_to_the_next(self):
        at_once = self._run("fr_sirene", FR_PAIR, 1 << 20)
        self.assertEqual(at_once["counters"]["rows_read"], 18)
        self.assertEqual(len(at_once["staged"][1]), 8, "the legal units")
        self.assertEqual(len(at_once["companies"]), 3)
        steps = self._run("fr_sirene", FR_PAIR, 1)
        self._assert_same_import(steps, at_once)
        # The 8 legal units, then the 10 establishments, a row at a time.
        self.assertEqual([step.position[:2] for step in steps["progress"]],
                         [(0, rows) for rows in range(1, 9)] + [(1, rows) for rows in range(1, 11)] + [(2, 0)])

    def test_files_opened_again_at_a_position_go_on_from_there(self):
        for register, paths, steps in (
            ("gb_companies_house", [UK_JANUARY], 4),
            ("fr_sirene", FR_PAIR, 6),    # in the legal units
            ("fr_sirene", FR_PAIR, 12),   # in the establishments
        ):
            with self.subTest(register=register, steps=steps):
                at_once = self._run(register, paths, 1 << 20)
                with closing(self.env.cr.savepoint()):
                    first = self._loader(register)
                    # A row per step.
                    position = self._stage(first, paths, 1, steps=steps)[-1].position
                    resumed = self._loader(register)
                    self._stage(resumed, paths, 1 << 20, position=position, create=False)
                    self.assertEqual(self._staged(resumed), at_once["staged"])
                    read = at_once["counters"]["rows_read"]
                    self.assertEqual(first.counters["rows_read"] + resumed.counters["rows_read"], read)
                    self.assertEqual(resumed.counters["rows_read"], read - steps)

    def test_a_position_says_where_its_last_row_ends_in_the_decompressed_file(self):
        with file_open(UK_JANUARY, "rb") as sample:
            lines = sample.read().splitlines(keepends=True)
        for binary in (io.BytesIO(b"".join(lines)), io.BytesIO(gzip.compress(b"".join(lines)))):
            with closing(self.env.cr.savepoint()):
                loader = self._loader("gb_companies_house")
                loader.create_staging()
                with loader.open([binary]):
                    position = loader.stage(len(b"".join(lines[1:5]))).position
                # The header and 4 rows of one line each.
                self.assertEqual(position, (0, 4, len(b"".join(lines[:5])), 5))
                self.assertEqual(loader.saved_state()["position"], list(position))
                # Opened again there, the rows before are skipped unread: a
                # damaged start would fail.
                damaged = b"".join(lines[:1]) + b"x" * (len(b"".join(lines[1:5])) - 1) + b"\n" + b"".join(lines[5:])
                resumed = self._loader("gb_companies_house")
                resumed.position = position
                with resumed.open([io.BytesIO(damaged)]):
                    self.assertTrue(resumed.stage(1 << 20).done)
                self.assertEqual(resumed.counters["rows_read"], 6)

    def test_json_read_ahead_stages_what_each_step_asked_for(self):
        """JSON is decoded in a thread while PostgreSQL checks the elements
        read before: each `stage` still stages about the bytes it was given
        (a step of another size reads again from the last staged element), a
        step ends where its elements end whatever was read ahead, and an
        error met ahead is raised when its element's turn comes."""
        _header, rows = _sample(SAMPLES + "no_brreg_enheter.csv")
        elements = _brreg_json(rows)
        elements += [dict(element, organisasjonsnummer=str(810000000 + index), navn=f"Bedrift {index} ÆØÅ")
                     for index, element in enumerate(elements * 5)]
        content = json.dumps(elements, indent=2, ensure_ascii=False).encode()
        with closing(self.env.cr.savepoint()):
            loader = self._loader("no_brreg")
            loader.create_staging()
            with loader.open([io.BytesIO(content)]):
                while not loader.stage(1 << 20).done:
                    pass
            at_once = self._staged(loader)
        with closing(self.env.cr.savepoint()):
            loader = self._loader("no_brreg")
            loader.create_staging()
            with loader.open([io.BytesIO(content)]):
                for step in range(1, 4):
                    self.assertEqual(loader.stage(1).position.rows, step)
                position = loader.stage(1).position
            self.assertEqual(position.rows, 4, "the elements read ahead are not staged")
            resumed = self._loader("no_brreg")
            resumed.position, resumed.counters = position, loader.counters
            with resumed.open([io.BytesIO(content)]):
                self.assertEqual(resumed.stage(1).position.rows, 5)
                while not resumed.stage(1 << 20).done:   # another size
                    pass
            self.assertEqual(resumed.counters["rows_read"], len(elements))
            self.assertEqual(self._staged(resumed), at_once)
        # Damaged after the elements the reader looks ahead for its header (20).
        damaged = json.dumps(elements[:25], ensure_ascii=False)[:-1] + ', {"organisasjonsnummer": 1 ]'
        with closing(self.env.cr.savepoint()):
            loader = self._loader("no_brreg")
            loader.create_staging()
            with loader.open([io.BytesIO(damaged.encode())]):
                self.assertEqual([loader.stage(1).position.rows for _step in range(25)], list(range(1, 26)))
                with self.assertRaises(RegisterFileError) as caught:
                    loader.stage(1)
            self.assertEqual((caught.exception.kind, caught.exception.line), ("json", 26))

    def test_a_json_file_opened_again_at_a_position_goes_on_from_there(self):
        """Norway's JSON download resumes like a CSV: after the element that
        ended at the noted byte, never read again from the start."""
        _header, rows = _sample(SAMPLES + "no_brreg_enheter.csv")
        elements = _brreg_json(rows)
        # More elements than the reader looks ahead for its header (20), with
        # letters of two bytes: positions are counted in bytes, not characters.
        elements += [dict(element, organisasjonsnummer=str(810000000 + index), navn=f"Bedrift {index} ÆØÅ")
                     for index, element in enumerate(elements * 5)]
        one_line = json.dumps(elements, ensure_ascii=False).encode()
        for content in (one_line, gzip.compress(json.dumps(elements, indent=2, ensure_ascii=False).encode())):
            with closing(self.env.cr.savepoint()):
                loader = self._loader("no_brreg")
                loader.create_staging()
                with loader.open([io.BytesIO(content)]):
                    while not loader.stage(1000).done:
                        pass
                at_once, read = self._staged(loader), loader.counters["rows_read"]
            self.assertEqual(read, len(elements))
            for steps in (1, 5, 19, 20, 21, 33, read - 1):
                with self.subTest(gzipped=content is not one_line, steps=steps), \
                        closing(self.env.cr.savepoint()):
                    first = self._loader("no_brreg")
                    first.create_staging()
                    with first.open([io.BytesIO(content)]):
                        for _step in range(steps):
                            position = first.stage(1).position
                    self.assertEqual((position.rows, position.line), (steps, steps))
                    if content is one_line:
                        self.assertEqual((one_line[:position.bytes][-1:], one_line[position.bytes:][:2]),
                                         (b"}", b", "), "the position is the end of an element")
                    resumed = self._loader("no_brreg")
                    resumed.position = position
                    with resumed.open([io.BytesIO(content)]):
                        while not resumed.stage(1000).done:
                            pass
                    self.assertEqual(self._staged(resumed), at_once)
                    self.assertEqual(resumed.counters["rows_read"], read - steps, "the rows before are not read")

    def test_merging_in_chunks_gives_the_merge_at_once(self):
        loader = self._loader("gb_companies_house")
        self._stage(loader, [UK_JANUARY], 1 << 20)
        self._merge(loader)
        at_once = self._run("gb_companies_house", [UK_FEBRUARY], 1 << 20)
        self.assertEqual(at_once["merges"], 1)
        counts = {key: at_once["counters"][key] for key in (
            "imported_count", "updated_count", "unchanged_count", "archived_count")}
        self.assertEqual(counts, {"imported_count": 1, "updated_count": 2, "unchanged_count": 3,
                                  "archived_count": 2})
        # The 3 unchanged companies are recognised as they are read (the
        # hash of their row): the 3 new or changed ones are merged.
        self.assertEqual(sum(row[-1] for row in at_once["staged"][0]), 3, "staged as unchanged")
        for limit, merges in ((1, 4), (2, 2), (3, 2), (10, 1)):
            with self.subTest(limit=limit):
                chunked = self._run("gb_companies_house", [UK_FEBRUARY], 1 << 20, merge_limit=limit)
                self._assert_same_import(chunked, at_once)
                self.assertEqual(chunked["merges"], merges, "3 companies, `limit` at a time")
