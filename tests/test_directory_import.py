import csv
import io

from odoo.tests import TransactionCase, tagged
from odoo.tools import file_open, mute_logger

TEMPLATE = "crm_iap_mine/static/xls/crm_iap_lead_directory_company.csv"


@tagged("post_install", "-at_install", "lead_mining")
class TestDirectoryImport(TransactionCase):
    """Odoo's standard import: Test lists each bad row; a clean file imports."""

    def _import(self, content, dryrun):
        rows = list(csv.reader(io.StringIO(content)))
        importer = self.env["base_import.import"].create({
            "res_model": "crm.iap.lead.directory.company",
            "file": content.encode(),
            "file_type": "text/csv",
            "file_name": "directory.csv",
        })
        options = importer.parse_preview({"quoting": '"', "separator": ",", "has_headers": True})["options"]
        return importer.execute_import(rows[0], rows[0], options, dryrun=dryrun)

    def test_template_imports_cleanly(self):
        with file_open(TEMPLATE, "rb") as template:
            content = template.read().decode()
        before = self.env["crm.iap.lead.directory.company"].search_count([])
        result = self._import(content, dryrun=False)
        self.assertFalse(result["messages"], result["messages"])
        companies = self.env["crm.iap.lead.directory.company"].search([("name", "like", "(example)")])
        self.assertEqual(self.env["crm.iap.lead.directory.company"].search_count([]), before + 2)
        bellavista = companies.filtered(lambda c: c.domain == "bellavista-vini.example")
        self.assertEqual(bellavista.country_id, self.env.ref("base.it"))
        self.assertEqual(len(bellavista.contact_ids), 2)
        self.assertEqual(bellavista.contact_ids[0].role_id, self.env.ref("crm_iap_mine.crm_iap_mine_role_22"))

    @mute_logger("odoo.sql_db")  # the failed inserts the import reports per row
    def test_test_run_lists_every_bad_row_and_imports_nothing(self):
        content = (
            "name,domain,country_id,state_id,industry_id,employees\n"
            "Good Co,good.example,Spain,Madrid,Media,10\n"
            ",noname.example,Spain,,,5\n"
            "Lost Co,lost.example,Atlantis,,,5\n"
            "Wrong State Co,ws.example,Italy,Madrid,,5\n"
            "Odd Industry Co,oi.example,Italy,,Alchemy,5\n"
        )
        before = self.env["crm.iap.lead.directory.company"].search_count([])
        messages = self._import(content, dryrun=True)["messages"]
        bad_rows = {message["rows"]["from"] + 1 for message in messages if message.get("rows")}
        # Data rows are numbered from 1 after the header: rows 2 to 5 are bad.
        self.assertEqual(bad_rows, {2, 3, 4, 5}, messages)
        text = " ".join(message["message"] for message in messages)
        self.assertIn("Atlantis", text)
        self.assertIn("Alchemy", text)
        self.assertIn("Madrid", text)
        self.assertEqual(self.env["crm.iap.lead.directory.company"].search_count([]), before, "a test run imports nothing")
