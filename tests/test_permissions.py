"""Who may do what: what a method checks itself, whatever the views show
(issue 23, points 1 to 5)."""
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools.protocols import PROTOCOLS
from .common import DirectoryCase


@tagged("post_install", "-at_install", "lead_mining")
class TestPermissions(DirectoryCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activate_multi_company()
        cls.user_system = mail_new_test_user(
            cls.env, login="lead_mining_system", name="System Administrator",
            email="lead.mining.system@test.example.com", company_id=cls.company_main.id,
            company_ids=[(6, 0, cls.company_main.ids)],
            groups="base.group_user,base.group_system,sales_team.group_sale_manager",
        )
        Client = cls.env["crm.iap.lead.service.client"]
        cls.client_main = Client.create({"name": "Main DB", "company_id": cls.company_main.id})
        cls.client_2 = Client.create({"name": "Company 2 DB", "company_id": cls.company_2.id})

    def _topup(self, user, company, client=None, amount=40):
        return self.env["crm.iap.lead.credit.topup"].with_user(user).create({
            "company_id": company.id, "provider": "directory", "amount": amount, "reference": "INV/1",
            "service_client_id": client.id if client else False,
        })

    def test_tokens_and_client_credits_need_an_administrator(self):
        manager = self.user_sales_manager
        ledger = self.env["crm.iap.lead.credit.line"]
        with self.assertRaises(AccessError):
            self.client_main.with_user(manager).action_generate_token()
        self.assertFalse(self.client_main.sudo().token_hash)
        client_key = self.client_main._balance_key()
        with self.assertRaises(AccessError):
            self._topup(manager, self.company_main, self.client_main).action_confirm()
        self.assertEqual(ledger._get_balance(self.company_main, client_key), 0)
        # A manager records top-ups of the directory balance of their own companies only.
        before_2 = ledger._get_balance(self.company_2, "directory")
        with self.assertRaises(AccessError):
            self._topup(manager, self.company_2).action_confirm()
        self.assertEqual(ledger._get_balance(self.company_2, "directory"), before_2)
        self._topup(manager, self.company_main).action_confirm()
        self.assertEqual(self._balance(), 140)
        # An administrator: tokens, and a client's credits in the client's own company.
        notification = self.client_main.with_user(self.user_system).action_generate_token()
        self.assertTrue(notification["params"]["message"])
        self.assertTrue(self.client_main.sudo().token_hash)
        with self.assertRaises(UserError):
            self._topup(self.user_system, self.company_main, self.client_2).action_confirm()
        with self.assertRaises(AccessError):  # not one of the administrator's companies
            self._topup(self.user_system, self.company_2, self.client_2).action_confirm()
        self.assertEqual(ledger._get_balance(self.company_2, self.client_2._balance_key()), 0)
        self._topup(self.user_system, self.company_main, self.client_main, amount=25).action_confirm()
        self.assertEqual(ledger._get_balance(self.company_main, client_key), 25)

    def test_notify_no_more_credit_sets_its_own_parameter_only(self):
        Helpers = self.env["crm.iap.lead.helpers"].with_user(self.user_sales_salesman)
        params = self.env["ir.config_parameter"].sudo()
        params.search([("key", "in", ("reveal.already_notified", "crm_iap_mine.test_switch"))]).unlink()
        for call in (
            ("reveal", "crm.iap.lead.mining.request", "crm_iap_mine.test_switch"),
            ("reveal", "res.users", "reveal.already_notified"),
            ("partner_autocomplete", "crm.iap.lead.mining.request", "reveal.already_notified"),
        ):
            with self.subTest(call=call), self.assertRaises(AccessError):
                Helpers.notify_no_more_credit(*call)
        self.assertFalse(params.get_param("crm_iap_mine.test_switch"))
        self.assertFalse(params.get_param("reveal.already_notified"))
        # The call website_crm_iap_reveal makes, for lead mining requests.
        self._new_request()
        with self.mock_mail_gateway():
            Helpers.notify_no_more_credit("reveal", "crm.iap.lead.mining.request", "reveal.already_notified")
        self.assertTrue(params.get_param("reveal.already_notified"))

    def test_ledger_fields_are_not_writable_from_outside(self):
        manager = self.user_sales_manager
        protected = {"held_credits": 500, "state": "error", "requester_id": manager.id, "failed_batch_attempts": 2}
        request = self._directory_request(**protected)
        self.assertEqual(
            (request.held_credits, request.state, request.requester_id, request.failed_batch_attempts),
            (0, "draft", self.env["res.users"], 0),
        )
        from_context = self.env["crm.iap.lead.mining.request"].with_user(manager).with_context(
            default_held_credits=500, default_state="error").create({"country_ids": [(6, 0, self.country_es.ids)]})
        self.assertEqual((from_context.held_credits, from_context.state), (0, "draft"))
        request.sudo().state = "error"
        request.with_user(manager).write(dict(protected, state="draft", lead_number=4))
        self.assertEqual(
            (request.held_credits, request.state, request.requester_id, request.failed_batch_attempts,
             request.lead_number),
            (0, "error", self.env["res.users"], 0, 4),
        )
        # Resetting gives nothing back: nothing was held.
        request.with_user(manager).action_draft()
        self.assertEqual(request.state, "draft")
        self.assertEqual(self._balance(), 100)
        # The module itself (and tests) write them with sudo().
        request.sudo().failed_batch_attempts = 1
        self.assertEqual(request.failed_batch_attempts, 1)

    def test_outcome_counters_are_not_writable_from_outside(self):
        """What a request charged, gave back and found is the module's to write:
        a sales manager cannot zero the credits charged over RPC."""
        manager = self.user_sales_manager
        request = self._directory_request()
        outcome = dict.fromkeys(("credits_charged", "credits_returned", "mined_count", "contact_count",
                                 "malformed_count", "duplicate_count", "excluded_count", "blacklisted_count",
                                 "matching_count"), 7)
        request.with_user(manager).write(dict(outcome, lead_number=4))
        self.assertEqual(request.lead_number, 4, "the request's own values are written")
        self.assertEqual({name: request[name] for name in outcome}, dict.fromkeys(outcome, 0))
        created = self.env["crm.iap.lead.mining.request"].with_user(manager).create(
            dict(outcome, country_ids=[(6, 0, self.country_es.ids)]))
        self.assertEqual({name: created[name] for name in outcome}, dict.fromkeys(outcome, 0))
        # Mining writes them, as the module.
        request.with_user(manager).action_submit()
        self.assertEqual(request.state, "done")
        self.assertEqual((request.mined_count, request.credits_charged), (4, 4))

    def test_balances_are_read_within_own_companies(self):
        ledger = self.env["crm.iap.lead.credit.line"]
        ledger._record(self.company_2, "directory", [(50, "topup")], reference="T2")
        self.env.flush_all()
        Balance = self.env["crm.iap.lead.credit.balance"]
        visible = Balance.with_user(self.user_sales_manager).search([])
        self.assertIn(self.company_main, visible.company_id)
        self.assertNotIn(self.company_2, visible.company_id)
        visible_mc = Balance.with_user(self.user_sales_manager_mc).with_context(
            allowed_company_ids=(self.company_2 | self.company_main).ids).search([])
        self.assertIn(self.company_2, visible_mc.company_id)

    def test_reveal_ids_hold_the_request_companys_ids(self):
        Lead = self.env["crm.lead"].sudo()
        Lead.create([
            {"name": "Known main", "reveal_id": "900000001", "company_id": self.company_main.id,
             "team_id": False, "user_id": False},
            {"name": "Known 2", "reveal_id": "900000002", "company_id": self.company_2.id,
             "team_id": False, "user_id": False},
            {"name": "Known shared", "reveal_id": "900000003", "company_id": False,
             "team_id": False, "user_id": False},
        ])
        request = self._new_request()
        provider = self.env["crm.iap.lead.provider.iap"].with_user(self.user_sales_manager)
        reveal_ids = set(provider._iap_request_context(request, PROTOCOLS["dnb"])["reveal_ids"])
        self.assertIn("900000001", reveal_ids)
        self.assertIn("900000003", reveal_ids)
        self.assertNotIn("900000002", reveal_ids)
