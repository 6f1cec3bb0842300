import os

import odoo
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged

ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    """The addon Odoo loaded is this checkout, not the stock module."""

    def test_loaded_module_is_this_checkout(self):
        loaded = os.path.realpath(get_module_path("crm_iap_mine"))
        self.assertEqual(loaded, os.path.realpath(ADDON_DIR))
        # The stock module sits in Odoo's own addons folder, later in the path.
        for path in odoo.addons.__path__:
            candidate = os.path.join(path, "crm_iap_mine")
            if os.path.isdir(candidate) and os.path.realpath(candidate) != loaded:
                manifest = odoo.modules.module.load_manifest("crm_iap_mine", candidate)
                self.assertNotEqual(manifest["version"], "17.0.2.0.0")
        self.assertTrue(os.path.isfile(os.path.join(loaded, "tools", "lead_mining_client.py")))
        module = self.env["ir.module.module"].search([("name", "=", "crm_iap_mine")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.latest_version, "17.0.2.0.0")

    def test_models_and_menus_exist(self):
        for model in (
            "crm.iap.lead.mining.request", "crm.iap.lead.industry",
            "crm.iap.lead.role", "crm.iap.lead.seniority", "crm.iap.lead.helpers",
        ):
            self.assertIn(model, self.env)
        self.assertTrue(self.env.ref("crm_iap_mine.crm_menu_lead_generation"))
        self.assertTrue(self.env.ref("crm_iap_mine.crm_iap_lead_mining_request_menu_action"))
        self.assertEqual(len(self.env["crm.iap.lead.industry"].search([])), 23)
        self.assertEqual(self.env.ref("crm_iap_mine.crm_iap_mine_industry_33").reveal_ids, "33")
        self.assertEqual(self.env.ref("crm_iap_mine.crm_iap_mine_role_11").reveal_id, "information_technology")
        self.assertEqual(self.env.ref("crm_iap_mine.crm_iap_mine_seniority_2").reveal_id, "executive")
