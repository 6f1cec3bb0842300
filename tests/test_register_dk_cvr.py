import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged, users

from ..tools.register_files import RegisterFileError, RegisterJsonLinesReader, open_register_file, open_register_reader
from ..tools.registers import ADAPTERS
from ..tools.registers.base import MAX_INTEGER
from .common import SAMPLES, DirectoryCase, RegisterImportCase, _read

DK_SAMPLE = SAMPLES + "dk_cvr_virksomheder.jsonl"
ROOTS = ADAPTERS["dk_cvr"].json_roots


def _lines(case, content, roots=ROOTS):
    """The reader of a JSON-lines file's bytes, open until the test ends."""
    return open_register_reader(case.enterContext(open_register_file(io.BytesIO(content))), ",", roots)


@tagged("post_install", "-at_install", "lead_mining")
class TestJsonLinesReader(TransactionCase):
    """One JSON document per line (CVR's dump), gzipped or not."""

    def test_hits_sources_and_documents_are_read_alike_and_blank_lines_skipped(self):
        content = b'{"_source": {"Vrvirksomhed": {"cvrNummer": 1, "a": {"b": "x"}}}}\n' \
                  b'{"Vrvirksomhed": {"cvrNummer": 2, "c": [1, 2]}}\n\n' \
                  b'{"cvrNummer": 3, "n": null, "t": true}\n'
        reader = _lines(self, gzip.compress(content))
        self.assertIsInstance(reader, RegisterJsonLinesReader)
        self.assertEqual(reader.header, ["cvrNummer", "a.b", "c", "n", "t"])
        rows = list(reader)
        self.assertEqual([(line, dict(row)) for line, row in rows], [
            (1, {"cvrNummer": "1", "a.b": "x"}), (2, {"cvrNummer": "2", "c": "1, 2"}),
            (4, {"cvrNummer": "3", "n": "", "t": "true"}),
        ])
        self.assertEqual(reader.position, (len(content), 4))

    def test_a_reading_resumes_after_the_last_document_read(self):
        documents = [json.dumps({"cvrNummer": number, "navn": "Å" * number}) for number in range(1, 40)]
        content = ("\n".join(documents) + "\n").encode()
        reader = _lines(self, content)
        rows = iter(reader)
        for _ in range(25):
            next(rows)
        position = reader.position
        self.assertEqual(position, (len("\n".join(documents[:25]).encode()) + 1, 25))
        again = _lines(self, gzip.compress(content))
        again.resume(position)
        # Once the loader says which fields it reads, the others are left.
        again.select(["cvrNummer", "x.y"])
        self.assertEqual([dict(row) for _line, row in again], [{"cvrNummer": str(n)} for n in range(26, 40)])

    def test_a_damaged_line_is_named(self):
        content = b'{"cvrNummer": 1}\n{"cvrNummer": 2}\n{"cvrNummer": 3\n'
        with self.assertRaises(RegisterFileError) as caught:
            list(_lines(self, content))
        self.assertEqual((caught.exception.kind, caught.exception.line), ("json_line", 3))
        with self.assertRaises(RegisterFileError) as caught:
            list(_lines(self, b'{"cvrNummer": 1}\n[1, 2]\n'))
        self.assertEqual((caught.exception.kind, caught.exception.line), ("json_line", 2))


@tagged("post_install", "-at_install", "lead_mining")
class TestCvrImport(RegisterImportCase):
    """CVR's dump (one Vrvirksomhed per line, gzipped), into the directory:
    exclusions, statuses, sizes, contacts and the advertising protection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_dk = cls.env.ref("base.dk")

    def _import_cvr(self, content=None):
        content = _read(DK_SAMPLE) if content is None else content
        return self._import(gzip.compress(content), "dk_cvr", "cvr_virksomheder.jsonl.gz")

    @users("user_sales_manager")
    def test_every_document_shape_is_imported_with_its_exclusions_and_protection(self):
        run = self._import_cvr()
        self.assertEqual(run.state, "done", run.error_message)
        self.assertRecordValues(run, [{
            "rows_read": 8, "imported_count": 4, "excluded_person_count": 1, "excluded_closed_count": 1,
            "undeliverable_count": 1, "advertising_protected_count": 2, "bad_row_count": 2,
            "unknown_industry_count": 1,
        }])
        self.assertEqual(run.bad_rows.splitlines(), [
            "Line 6: 1234 is not a valid register number.",
            "Line 7: the company name is missing.",
        ])
        self.assertIn("2 companies refuse advertising (a legal duty): imported, never delivered.",
                      run.result_summary)
        companies = self._by_number("dk_cvr")
        self.assertEqual(sorted(companies), ["31000009", "31000017", "31000041", "31000076"])
        # The current monthly figure, not the stale quarterly one.
        self.assertRecordValues(companies["31000009"], [{
            "name": "Nordlys Software ApS", "street": "Vesterbrogade 12B", "zip": "1620", "city": "København V",
            "country_id": self.country_dk.id, "industry_id": self.software.id, "employees": 12, "employees_max": 0,
            "domain": "nordlys-software.example", "phones": "33123456",
            "emails": "info@nordlys-software.example", "founded_year": 2012, "advertising_protected": False,
        }])
        # A band only; quotes, separators and Danish letters kept.
        self.assertRecordValues(companies["31000017"], [{
            "name": 'Bageriet "Hjørnet", Smørrebrød; Æblegrød A/S', "street": "Strøget 3", "city": "Aarhus C",
            "employees": 20, "employees_max": 49, "phones": "+45 70 20 30 40", "emails": "kontakt@hjornet.example",
            "advertising_protected": True,
        }])
        # The yearly figure of 2025 is later than the second quarter's.
        self.assertRecordValues(companies["31000041"], [{
            "register_status": "bankrupt", "employees": 7, "advertising_protected": False}])
        self.assertRecordValues(companies["31000076"], [{
            "employees": 1000, "employees_max": MAX_INTEGER, "advertising_protected": True}])

        again = self._import_cvr()
        self.assertRecordValues(again, [{"imported_count": 0, "updated_count": 0, "unchanged_count": 4,
                                         "advertising_protected_count": 2}])

    @users("user_sales_manager")
    def test_a_file_without_the_advertising_protection_is_refused_whole(self):
        lines = _read(DK_SAMPLE).decode().splitlines()
        document = json.loads(lines[8])
        del document["Vrvirksomhed"]["reklamebeskyttet"]
        lines[8] = json.dumps(document, ensure_ascii=False)
        run = self._import_cvr("\n".join(lines).encode())
        self.assertEqual(run.state, "error")
        self.assertEqual(run.error_message, "Line 9: the field reklamebeskyttet is missing, which the register must "
                                            "give for every company. Nothing was imported.")
        self.assertFalse(self._by_number("dk_cvr"))

    @users("user_sales_manager")
    def test_companies_refusing_advertising_are_never_delivered(self):
        self._import_cvr()
        request = self._directory_request(lead_number=10, country_ids=[(6, 0, self.country_dk.ids)])
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        # The bakery and the grocer refuse advertising; the bankrupt is on its way out.
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["Nordlys Software ApS"])
        sized = self._directory_request(lead_number=10, country_ids=[(6, 0, self.country_dk.ids)],
                                        filter_on_size=True, company_size_min=20, company_size_max=100)
        sized.action_submit()
        self.assertFalse(sized.lead_ids, "the bakery's band fits, but it refuses advertising")

    def test_cvr_numbers_and_danish_vat_numbers_link_partners_even_if_protected(self):
        self._import_cvr()
        companies = self._by_number("dk_cvr")
        partners = self.env["res.partner"].create([
            {"name": "Nordlys", "is_company": True, "company_registry": "3100 0009", "country_id": self.country_dk.id},
            {"name": "Hjørnet", "is_company": True, "vat": "DK 31 00 00 17", "country_id": self.country_dk.id},
        ])
        partners.with_user(self.user_sales_manager).action_directory_match()
        links = self.env["crm.iap.lead.directory.link"].sudo().search([("partner_id", "in", partners.ids)])
        self.assertEqual(sorted((link.directory_company_id.register_number, link.evidence) for link in links),
                         [("31000009", "register_number"), ("31000017", "vat")])
        self.assertEqual(companies["31000017"], partners[1].directory_company_id)

    def test_the_dump_script_writes_what_the_import_reads(self):
        """scripts/registers/dump_dk_cvr.py on scroll responses saved as files
        (the service itself needs the internet and credentials)."""
        hits = []
        for line in _read(DK_SAMPLE).decode().splitlines():
            if line.strip():
                document = json.loads(line)
                source = document.get("_source") or (
                    document if "Vrvirksomhed" in document else {"Vrvirksomhed": document})
                hits.append({"_id": "1", "_source": source})
        script = Path(__file__).parent.parent / "scripts" / "registers" / "dump_dk_cvr.py"
        with tempfile.TemporaryDirectory() as folder:
            pages = []
            for number, page in enumerate((hits[:5], hits[5:], [])):
                pages.append(os.path.join(folder, f"page{number}.json"))
                with open(pages[-1], "w", encoding="utf-8") as saved:
                    json.dump({"_scroll_id": "x", "hits": {"hits": page}}, saved)
            output = os.path.join(folder, "cvr_virksomheder.jsonl.gz")
            subprocess.run([sys.executable, str(script), output, "--from-responses", *pages], check=True,
                           capture_output=True)
            with open(output, "rb") as dump:
                content = dump.read()
            self.assertFalse(os.path.exists(output + ".part"))
            # A page holding anything but company documents: no dump at all.
            with open(pages[-1], "w", encoding="utf-8") as saved:
                json.dump({"hits": {"hits": [{"_source": {"Vrdeltagerperson": {}}}]}}, saved)
            failed = subprocess.run([sys.executable, str(script), output + "2", "--from-responses", pages[-1]],
                                    capture_output=True, check=False)
            self.assertNotEqual(failed.returncode, 0)
            self.assertFalse(os.path.exists(output + "2"))
        run = self._import(content, "dk_cvr", "cvr_virksomheder.jsonl.gz")
        self.assertRecordValues(run, [{"state": "done", "rows_read": 8, "imported_count": 4,
                                       "advertising_protected_count": 2}])


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterSetFields(DirectoryCase):
    """What a register says is not set by hand, over RPC either."""

    @users("user_sales_manager")
    def test_a_manager_cannot_clear_a_refusal_of_advertising(self):
        company = self.directory[0]
        company.sudo().advertising_protected = True
        for values in ({"advertising_protected": False}, {"register_status": "bankrupt"}):
            with self.assertRaisesRegex(AccessError, "is set by register imports only"):
                company.with_user(self.user_sales_manager).write(values)
        with self.assertRaisesRegex(AccessError, "is set by register imports only"):
            self.env["crm.iap.lead.directory.company"].with_user(self.user_sales_manager).create(
                {"name": "Hand Made", "country_id": self.country_es.id, "advertising_protected": False})
        self.assertTrue(company.advertising_protected)
