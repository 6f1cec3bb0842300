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
        version = odoo.modules.module.get_manifest("crm_iap_mine")["version"]  # this checkout's, just asserted
        # The stock module sits in Odoo's own addons folder, later in the path.
        for path in odoo.addons.__path__:
            candidate = os.path.join(path, "crm_iap_mine")
            if os.path.isdir(candidate) and os.path.realpath(candidate) != loaded:
                manifest = odoo.modules.module.load_manifest("crm_iap_mine", candidate)
                self.assertNotEqual(manifest["version"], version)
        self.assertTrue(os.path.isfile(os.path.join(loaded, "tools", "lead_mining_client.py")))
        module = self.env["ir.module.module"].search([("name", "=", "crm_iap_mine")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.latest_version, version)

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

    def test_deleting_a_request_finds_its_directory_companies_by_an_index(self):
        # The foreign key's ON DELETE SET NULL runs this for each request deleted.
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("""
            EXPLAIN UPDATE crm_iap_lead_directory_company SET last_request_id = NULL WHERE last_request_id = 1
        """)
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("Index Cond: (last_request_id = 1)", plan)
