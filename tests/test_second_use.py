"""What a sales manager meets after the first request (issue 24, points 6 to 12)."""
from lxml import etree

from odoo.tests import tagged, users

from .common import BackgroundCase

LEAD_GENERATION = "crm_iap_mine.crm_menu_lead_generation"


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

    # Point 7 ---------------------------------------------------------------

    def _menu(self, xmlid):
        return self.env.ref(f"crm_iap_mine.{xmlid}")

    def _visible_xmlids(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).browse(
            self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        return set(menus.sudo().get_external_id().values())

    def test_lead_generation_menu_grouped(self):
        groups = {
            "crm_menu_lead_generation_registers": ["crm_iap_lead_register_import_menu"],
            "crm_menu_lead_generation_credits": ["crm_iap_lead_credit_line_menu"],
            "crm_menu_lead_generation_data_protection": ["crm_iap_lead_forget_menu", "crm_iap_lead_erasure_menu"],
            "crm_menu_lead_generation_service": ["crm_iap_lead_service_client_menu", "crm_iap_lead_service_call_menu"],
        }
        lead_generation = self.env.ref(LEAD_GENERATION)
        for group, items in groups.items():
            self.assertEqual(self._menu(group).parent_id, lead_generation)
            for item in items:
                self.assertEqual(self._menu(item).parent_id, self._menu(group), item)
        daily = ["crm_iap_lead_mining_request_menu_action", "crm_iap_lead_directory_company_menu",
                 "crm_iap_lead_industry_menu", "crm_iap_lead_role_menu", "crm_iap_lead_seniority_menu"]
        for item in daily:
            self.assertEqual(self._menu(item).parent_id, lead_generation, item)
        children = self.env["ir.ui.menu"].with_context(**{"ir.ui.menu.full_list": True}).search(
            [("parent_id", "=", lead_generation.id)])
        self.assertEqual(len(children.filtered(lambda menu: menu.get_external_id()[menu.id].startswith("crm_iap_mine."))),
                         len(daily) + len(groups), "the daily items and the four groups, nothing else")

    def test_service_menus_for_administrators_while_the_service_is_on(self):
        service = {"crm_iap_mine.crm_menu_lead_generation_service", "crm_iap_mine.crm_iap_lead_service_client_menu",
                   "crm_iap_mine.crm_iap_lead_service_call_menu"}
        params = self.env["ir.config_parameter"].sudo()
        manager = self.user_sales_manager
        params.set_param("crm_iap_mine.service_enabled", False)
        self.assertFalse(service & self._visible_xmlids(self.admin), "service off: hidden")
        self.assertIn("crm_iap_mine.crm_iap_lead_credit_line_menu", self._visible_xmlids(self.admin))
        params.set_param("crm_iap_mine.service_enabled", "True")
        self.assertEqual(service & self._visible_xmlids(self.admin), service, "service on: shown")
        self.assertFalse(service & self._visible_xmlids(manager), "never a sales manager's")
        visible = self._visible_xmlids(manager)
        for xmlid in ("crm_iap_lead_mining_request_menu_action", "crm_iap_lead_credit_line_menu",
                      "crm_iap_lead_forget_menu", "crm_iap_lead_register_import_menu"):
            self.assertIn(f"crm_iap_mine.{xmlid}", visible)
        self.assertIn(LEAD_GENERATION, visible)

    def test_service_settings_in_developer_mode_only(self):
        arch = etree.fromstring(self.env["res.config.settings"].with_user(self.admin).get_view(view_type="form")["arch"])
        self.assertTrue(arch.xpath("//field[@name='lead_mining_provider']"))
        for name in ("lead_mining_iap_protocol", "lead_mining_service_enabled"):
            self.assertFalse(arch.xpath(f"//field[@name='{name}']"), f"{name} outside developer mode")
