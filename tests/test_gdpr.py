from odoo.tests import tagged, users

from .test_directory import DirectoryCase


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningGdpr(DirectoryCase):
    """Where mined data came from, and contacts who must not be contacted."""

    @users("user_sales_manager")
    def test_mined_leads_record_their_origin(self):
        request = self._new_request(lead_number=2)
        request.action_submit()
        source = self.env.ref("crm_iap_mine.utm_source_lead_generation")
        for lead in request.lead_ids:
            self.assertEqual(lead.source_id, source)
            self.assertEqual(lead.lead_mining_request_id, request)
            self.assertEqual(lead.lead_mining_provider, "iap")

    @users("user_sales_manager")
    def test_blacklisted_iap_contact_is_written_nowhere(self):
        server = self.lead_mining_server
        server.repeat_companies = True
        people = {"search_type": "people", "contact_number": 2,
                  "preferred_role_id": self.role_sale.id, "lead_number": 1}
        first = self._new_request(**people)
        first.action_submit()
        email = first.lead_ids.email_from
        self.assertTrue(email)
        first.lead_ids.sudo().unlink()  # forget the company, then mine it again
        self.env["mail.blacklist"].sudo()._add(email)

        second = self._new_request(**people)
        second.action_submit()
        lead = second.lead_ids
        self.assertEqual(len(lead), 1)
        self.assertEqual(second.blacklisted_count, 1)
        self.assertNotEqual(lead.email_from, email)
        self.assertNotIn(email, str(lead.message_ids.body))
        lines = self.env["crm.iap.lead.credit.line"].search([("request_id", "=", second.id)])
        self.assertIn(("blacklisted", -1), [(line.reason, line.amount) for line in lines],
                      "the service charged for it: the ledger says why")

    @users("user_sales_manager")
    def test_blacklisted_or_do_not_contact_directory_contacts_are_never_delivered(self):
        company = self.directory[0]
        seller = company.contact_ids.filtered(lambda c: c.role_id == self.role_sale)
        banker = company.contact_ids - seller
        self.env["mail.blacklist"].sudo()._add(seller.email)
        banker.sudo().do_not_contact = True
        request = self._directory_request(
            lead_number=15, search_type="people", contact_number=2, contact_filter_type="role",
            preferred_role_id=self.role_sale.id, role_ids=[(6, 0, self.role_finance.ids)],
            country_ids=[(6, 0, self.country_es.ids)],
        )
        request.action_submit()
        self.assertNotIn(company.name, request.lead_ids.mapped("name"), "no contact left to deliver")
        bodies = " ".join(str(body) for body in request.lead_ids.message_ids.mapped("body"))
        self.assertNotIn(seller.email, bodies)
