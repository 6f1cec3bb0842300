from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RegisterImportCase, _uk_file


@tagged("post_install", "-at_install", "lead_mining")
class TestEnrichment(RegisterImportCase):
    """Free enrichment from the directory: empty fields only, one note each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uk = cls.env.ref("base.uk")
        Company = cls.env["crm.iap.lead.directory.company"]
        cls.acme = Company.create({
            "name": "ACME WIDGETS LTD", "country_id": cls.uk.id, "street": "1 Example Street", "city": "LONDON",
            "zip": "EC1A 1BB", "domain": "acme-widgets.example", "phones": "+44 20 7946 0000, +44 20 7946 0001",
            "industry_id": cls.software.id, "employees": 120, "founded_date": "2015-03-14",
            "register_code": "gb_companies_house", "register_number": "07100001",
        })
        cls.manager = cls.user_sales_manager

    def _partner(self, **values):
        return self.env["res.partner"].create(dict({
            "name": "Acme", "is_company": True, "company_registry": "7100001", "country_id": self.uk.id,
        }, **values))

    def _notes(self, record):
        return record.message_ids.filtered(lambda message: "Enriched from the directory" in (message.body or ""))

    def test_enrich_fills_empty_fields_only_with_one_note(self):
        self._import(_uk_file([{"number": "07100002", "name": "OTHER LTD", "zip": "N1 1AA"}]))
        partner = self._partner(phone="+44 1 000", website=False)
        partner.with_user(self.manager).action_directory_enrich()
        self.assertRecordValues(partner, [{
            "company_registry": "7100001",          # kept as the user wrote it
            "phone": "+44 1 000",                    # never overwritten
            "street": "1 Example Street", "city": "LONDON", "zip": "EC1A 1BB",
            "website": "https://acme-widgets.example",
            "industry_id": self.env.ref("base.res_partner_industry_J").id,   # Software & Services
            "company_employees": 120, "company_size_band": "51",
            "company_founded_date": date(2015, 3, 14),
            "vat": False,                            # never derived from a register number
        }])
        notes = self._notes(partner)
        self.assertEqual(len(notes), 1, "one note")
        body = notes.body
        self.assertIn("Companies House (United Kingdom)", body)
        last_import = self.env["crm.iap.lead.register.import"].search(
            [("register_code", "=", "gb_companies_house"), ("state", "=", "done")], limit=1)
        self.assertIn(str(last_import.create_date.date()), body, "the file of the latest import")
        for label in ("Street", "City", "Website", "Industry", "Employees", "Founded On"):
            self.assertIn(label, body)
        self.assertNotIn("Phone", body)
        # A second run fills nothing and writes no note.
        partner.with_user(self.manager).action_directory_enrich()
        self.assertEqual(len(self._notes(partner)), 1)

    def test_enrich_never_overwrites_and_keeps_half_addresses(self):
        partner = self._partner(city="Manchester", website="https://mine.example", name="Acme Mine")
        partner.with_user(self.manager).action_directory_enrich()
        self.assertRecordValues(partner, [{
            "name": "Acme Mine", "city": "Manchester", "street": False, "zip": False,
            "website": "https://mine.example",
        }])

    def test_overwrite_field_by_field(self):
        partner = self._partner(city="Manchester", street="2 Other Road", zip="M1 1AA", phone="+44 1 000",
                                company_registry="07100001")
        partner.with_user(self.manager).action_directory_enrich()
        action = partner.with_user(self.manager).action_directory_compare()
        wizard = self.env["crm.iap.lead.directory.enrich"].with_user(self.manager).browse(action["res_id"])
        self.assertEqual(set(wizard.line_ids.mapped("field_name")), {"street", "city", "zip", "phone"})
        city = wizard.line_ids.filtered(lambda line: line.field_name == "city")
        self.assertEqual((city.current_value, city.directory_value), ("Manchester", "LONDON"))
        city.overwrite = True
        wizard.action_apply()
        self.assertRecordValues(partner, [{"city": "LONDON", "street": "2 Other Road", "zip": "M1 1AA",
                                           "phone": "+44 1 000"}])
        # A forged line for a field that does not differ changes nothing.
        forged = self.env["crm.iap.lead.directory.enrich"].with_user(self.manager).create({
            "res_model": "res.partner", "res_id": partner.id,
            "line_ids": [(0, 0, {"field_name": "name", "overwrite": True})],
        })
        forged.action_apply()
        self.assertEqual(partner.name, "Acme")
        with self.assertRaises(UserError):
            self.env["crm.iap.lead.directory.enrich"].with_user(self.manager).create({
                "res_model": "res.users", "res_id": self.manager.id}).action_apply()

    def test_enrich_leads_from_the_list(self):
        leads = self.env["crm.lead"].create([
            {"name": "Deal 1", "company_registry": "07100001", "country_id": self.uk.id},
            {"name": "Deal 2", "website": "acme-widgets.example", "city": "Leeds"},
            {"name": "Deal 3"},
        ])
        leads.with_user(self.manager).action_directory_enrich()
        self.assertRecordValues(leads, [
            {"partner_name": "ACME WIDGETS LTD", "city": "LONDON", "phone": "+44 20 7946 0000",
             "company_employees": 120, "company_size_band": "51", "company_founded_date": date(2015, 3, 14)},
            {"partner_name": "ACME WIDGETS LTD", "city": "Leeds", "phone": "+44 20 7946 0000",
             "company_employees": 120, "company_size_band": "51", "company_founded_date": date(2015, 3, 14)},
            {"partner_name": False, "city": False, "phone": False,
             "company_employees": 0, "company_size_band": False, "company_founded_date": False},
        ])
        self.assertEqual([len(self._notes(lead)) for lead in leads], [1, 1, 0])

    def test_enrich_needs_the_right_to_write_the_record(self):
        partner = self._partner(company_id=self.env["res.company"].create({"name": "Other Co"}).id)
        with self.assertRaises(AccessError):
            partner.with_user(self.manager).action_directory_enrich()
        self.assertFalse(partner.street)
