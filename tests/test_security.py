from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DirectoryCase


@tagged("post_install", "-at_install", "lead_mining")
class TestMultiCompanyAccess(DirectoryCase):
    """Directory contacts and the analysis stay within their companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activate_multi_company()
        cls.other_directory = cls.env["crm.iap.lead.directory.company"].create({
            "name": "Company 2 Only", "country_id": cls.country_es.id, "company_id": cls.company_2.id,
            "contact_ids": [(0, 0, {"name": "Private Person", "email": "private@c2only.example", "phone": "+34 600"})],
        })
        cls.shared_contacts = cls.directory.contact_ids
        Request = cls.env["crm.iap.lead.mining.request"].sudo()
        cls.request_main, cls.request_2 = Request.create([
            {"provider": "iap", "company_id": company.id, "country_ids": [(6, 0, cls.country_es.ids)],
             "team_id": False, "user_id": False}
            for company in (cls.company_main, cls.company_2)
        ])
        (cls.request_main | cls.request_2).state = "done"

    def test_salesman_has_no_access_to_directory_contacts(self):
        Contact = self.env["crm.iap.lead.directory.contact"].with_user(self.user_sales_salesman)
        with self.assertRaises(AccessError):
            Contact.search([])
        with self.assertRaises(AccessError):
            self.shared_contacts[0].with_user(self.user_sales_salesman).read(["email", "phone"])
        # What only counts them still works for a salesman.
        company = self.directory[0].with_user(self.user_sales_salesman)
        self.assertEqual(company.contact_count, 2)

    def test_manager_sees_contacts_of_shared_and_own_directory_companies_only(self):
        Contact = self.env["crm.iap.lead.directory.contact"].with_user(self.user_sales_manager)
        self.assertNotIn(self.company_2, self.user_sales_manager.company_ids)
        visible = Contact.search([])
        self.assertIn(self.shared_contacts[0], visible)
        self.assertNotIn(self.other_directory.contact_ids, visible)
        with self.assertRaises(AccessError):
            self.other_directory.contact_ids.with_user(self.user_sales_manager).read(["email"])
        # A manager of both companies sees them while company 2 is selected.
        Contact_mc = self.env["crm.iap.lead.directory.contact"].with_user(self.user_sales_manager_mc)
        self.assertIn(self.other_directory.contact_ids,
                      Contact_mc.with_context(allowed_company_ids=self.company_2.ids).search([]))
        self.assertNotIn(self.other_directory.contact_ids,
                         Contact_mc.with_context(allowed_company_ids=self.company_main.ids).search([]))

    def test_analysis_shows_own_companies_only(self):
        self.env.flush_all()
        Report = self.env["crm.iap.lead.mining.report"]
        rows = Report.with_user(self.user_sales_manager).search([])
        self.assertIn(self.request_main, rows.request_id)
        self.assertNotIn(self.request_2, rows.request_id)
        rows_mc = Report.with_user(self.user_sales_manager_mc).with_context(
            allowed_company_ids=self.company_2.ids).search([])
        self.assertEqual(rows_mc.request_id & (self.request_main | self.request_2), self.request_2)
