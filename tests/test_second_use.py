"""What a sales manager meets after the first request (issue 24, points 6 to 12)."""
from lxml import etree

from odoo.tests import tagged, users

from .common import BackgroundCase

@tagged("post_install", "-at_install", "lead_mining")
class TestSecondUse(BackgroundCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")

    # Point 6 ---------------------------------------------------------------

    @users("user_sales_manager")
    def test_sales_role_found_as_sales_with_its_code_kept(self):
        role = self.env.ref("crm_iap_mine.crm_iap_mine_role_22")
        self.assertEqual((role.name, role.reveal_id), ("Sales", "sale"), "code sent to the service kept")
        found = self.env["crm.iap.lead.role"].name_search("Sales")
        self.assertIn(role.id, [role_id for role_id, _name in found])

    @users("user_sales_manager")
    def test_required_contact_filters_marked_required(self):
        arch = etree.fromstring(self.env["crm.iap.lead.mining.request"].get_view(view_type="form")["arch"])
        for name in ("preferred_role_id", "seniority_id"):
            field = arch.xpath(f"//field[@name='{name}']")[0]
            self.assertTrue(field.get("required"), name)
            # Odoo 17 shows an input's border (red when required) only on hover without it.
            self.assertIn("o_field_highlight", field.get("class", ""), name)
