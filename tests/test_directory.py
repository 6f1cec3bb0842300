from odoo.tests import tagged, users

from .common import DirectoryCase


@tagged("post_install", "-at_install", "lead_mining")
class TestDirectoryMining(DirectoryCase):

    @users("user_sales_manager")
    def test_every_filter_applies(self):
        request = self._directory_request(
            lead_number=20, country_ids=[(6, 0, (self.country_es + self.country_it).ids)],
            state_ids=[(6, 0, self.madrid.ids)], industry_ids=[(6, 0, self.software.ids)],
            filter_on_size=True, company_size_min=10, company_size_max=100,
        )
        request.action_submit()
        self.assertEqual(request.state, "done")
        # Madrid only narrows Spain; Italy's software companies are too small.
        self.assertEqual(sorted(request.lead_ids.mapped("name")), [f"Directory Co {n:02d}" for n in range(1, 11)])
        for lead in request.lead_ids:
            self.assertEqual(lead.state_id, self.madrid)
            self.assertEqual(lead.website, f"https://www.{lead.name[-2:].join(['dirco', '.example'])}")
        self.assertFalse(self._mining_calls(), "the directory never calls the IAP service")

    @users("user_sales_manager")
    def test_contacts_by_role_preferred_first_and_do_not_contact(self):
        banker = self.directory[0].contact_ids.filtered(lambda c: c.role_id == self.role_finance)
        self.directory[1].contact_ids.do_not_contact = True
        request = self._directory_request(
            lead_number=3, search_type="people", contact_number=1, contact_filter_type="role",
            preferred_role_id=self.role_finance.id, role_ids=[(6, 0, self.role_sale.ids)],
            industry_ids=[(6, 0, self.software.ids)], country_ids=[(6, 0, self.country_es.ids)],
        )
        request.action_submit()
        self.assertEqual(len(request.lead_ids), 3)
        self.assertNotIn(self.directory[1].name, request.lead_ids.mapped("name"))
        # Every company has a seller and a banker: the preferred role wins.
        self.assertEqual(set(request.lead_ids.mapped("contact_name")), {banker.name})
        self.assertEqual(request.credits_charged, 3 * 2)

    @users("user_sales_manager")
    def test_seniority_filter(self):
        request = self._directory_request(
            lead_number=30, search_type="people", contact_number=2, contact_filter_type="seniority",
            seniority_id=self.director.id, country_ids=[(6, 0, (self.country_es + self.country_it).ids)],
        )
        request.action_submit()
        # Only companies with a director: 1-10 (Spain) and 16-20 (Italy).
        self.assertEqual(len(request.lead_ids), 15)
        self.assertEqual(set(request.lead_ids.mapped("contact_name")), {"Lucía Sales"})

    @users("user_sales_manager")
    def test_fewer_matches_than_asked_delivers_and_charges_what_exists(self):
        request = self._directory_request(lead_number=10, country_ids=[(6, 0, self.country_it.ids)])
        request.action_submit()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.lead_count, 5)
        self.assertEqual(request.credits_charged, 5)
        self.assertEqual(self._balance(), 95)
        self.assertIn("5 of 10", request.result_summary)

    @users("user_sales_manager")
    def test_fair_rotation_brings_new_companies_each_time(self):
        spain = [(6, 0, self.country_es.ids)]
        first = self._directory_request(lead_number=6, country_ids=spain)
        first.action_submit()
        second = self._directory_request(lead_number=6, country_ids=spain)
        second.action_submit()
        names = lambda request: set(request.lead_ids.mapped("name"))  # noqa: E731
        self.assertFalse(names(first) & names(second), "never delivered companies come first")
        # Known companies are never delivered again: once the first leads are
        # deleted, the third request gets the 3 never delivered, then the
        # least recently delivered (the first request's).
        first_names = names(first)
        first.lead_ids.sudo().unlink()
        third = self._directory_request(lead_number=6, country_ids=spain)
        third.action_submit()
        delivered_twice = self.directory.filtered(lambda c: c.delivery_count == 2)
        self.assertEqual(len(delivered_twice), 3)
        self.assertTrue(set(delivered_twice.mapped("name")) <= first_names)

    @users("user_sales_manager")
    def test_large_request_is_created_in_batches_with_one_summary(self):
        portugal = self.env.ref("base.pt")
        self.env["crm.iap.lead.directory.company"].sudo().create([
            {"name": f"Batch Co {n:03d}", "domain": f"batchco{n:03d}.example", "country_id": portugal.id}
            for n in range(250)
        ])
        self.env["crm.iap.lead.credit.line"].sudo()._record(self.env.company, "directory", [(200, "topup")])
        request = self._directory_request(lead_number=250, country_ids=[(6, 0, portugal.ids)])
        request.action_submit()
        self.assertEqual(request.state, "queued", "above 200: in the background")
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual(request.state, "done")
        leads = request.lead_ids
        self.assertEqual(len(leads), 250, "two batches (200 + 50)")
        self.assertEqual(len(leads.message_ids), 250, "one note per lead")
        summaries = self.env["mail.message"].sudo().search([
            ("model", "=", request._name), ("res_id", "=", request.id),
            ("partner_ids", "in", self.user_sales_salesman.partner_id.ids),
        ])
        self.assertEqual(len(summaries), 1)
        self.assertIn("250", str(summaries.body))

    def test_seeded_shuffle_differs_between_requests(self):
        orders = set()
        for _attempt in range(4):
            request = self._directory_request(lead_number=5, country_ids=[(6, 0, self.country_es.ids)])
            search = self.env["crm.iap.lead.provider.directory"]._search(request)
            picked, _excluded = self.env["crm.iap.lead.directory.search"]._pick_companies(search)
            orders.add(tuple(picked))
        self.assertGreater(len(orders), 1, "equal candidates are shuffled per request")


@tagged("post_install", "-at_install", "lead_mining")
class TestDirectoryCredits(DirectoryCase):

    @users("user_sales_manager")
    def test_ledger_debits_companies_and_contacts(self):
        request = self._directory_request(
            lead_number=2, search_type="people", contact_number=2, contact_filter_type="role",
            preferred_role_id=self.role_sale.id, role_ids=[(6, 0, self.role_finance.ids)],
            country_ids=[(6, 0, self.country_es.ids)], industry_ids=[(6, 0, self.software.ids)],
        )
        request.action_submit()
        lines = self.env["crm.iap.lead.credit.line"].search([("request_id", "=", request.id)])
        self.assertEqual(sorted((line.reason, line.amount) for line in lines), [("companies", -2), ("contacts", -4)])
        self.assertEqual(set(lines.mapped("team_id")), {self.sales_team_1})
        self.assertEqual(set(lines.mapped("salesperson_id")), {self.user_sales_salesman})
        self.assertEqual(self._balance(), 94)
        self.assertEqual(request.credit_balance, 94)

    @users("user_sales_manager")
    def test_insufficient_credits_creates_and_marks_nothing(self):
        request = self._directory_request(
            lead_number=10, search_type="people", contact_number=5, contact_filter_type="role",
            preferred_role_id=self.role_finance.id, country_ids=[(6, 0, self.country_es.ids)],
        )
        # 10 companies + 10 bankers = 20 credits: leave 19.
        self.env["crm.iap.lead.credit.line"].sudo()._record(self.env.company, "directory", [(-81, "adjustment")])
        request.action_submit()
        self.assertEqual((request.state, request.error_type), ("error", "credits"))
        self.assertIn("19", request.error_message)
        self.assertFalse(request.lead_ids)
        self.assertEqual(self._balance(), 19)
        self.assertFalse(any(self.directory.mapped("delivery_count")), "nothing marked delivered")
        self.assertEqual(request.action_buy_credits()["res_model"], "crm.iap.lead.credit.topup")

    @users("user_sales_manager")
    def test_topup_dialog_adds_credits(self):
        topup = self.env["crm.iap.lead.credit.topup"].create({"amount": 250, "reference": "PO-7"})
        topup.action_confirm()
        self.assertEqual(self._balance(), 350)
        line = self.env["crm.iap.lead.credit.line"].search([("reference", "=", "PO-7")])
        self.assertEqual((line.amount, line.reason, line.user_id), (250, "topup", self.user_sales_manager))

    def test_report_counts_credits_leads_and_won(self):
        request = self._directory_request(lead_number=4, country_ids=[(6, 0, self.country_es.ids)])
        request.action_submit()
        request.lead_ids[0].action_set_won()
        self.env.flush_all()
        row = self.env["crm.iap.lead.mining.report"].search([("request_id", "=", request.id)])
        self.assertEqual((row.credits_spent, row.leads_created, row.leads_won), (4, 4, 1))


@tagged("post_install", "-at_install", "lead_mining")
class TestNeverTwice(DirectoryCase):

    @users("user_sales_manager")
    def test_directory_excludes_known_companies_before_picking(self):
        self.env["crm.lead"].sudo().create([
            {"name": "Old lead", "website": "http://dirco01.example", "active": False},
            {"name": "By email", "email_from": "boss@DIRCO02.example"},
            {"name": "Gmail is not a company", "email_from": "someone@gmail.com"},
        ])
        self.env["res.partner"].sudo().create({"name": "Known partner", "website": "dirco03.example/contact"})
        request = self._directory_request(
            lead_number=10, country_ids=[(6, 0, self.country_es.ids)], industry_ids=[(6, 0, self.software.ids)],
        )
        request.action_submit()
        names = set(request.lead_ids.mapped("name"))
        self.assertEqual(len(names), 7, sorted(names))
        self.assertFalse(names & {"Directory Co 01", "Directory Co 02", "Directory Co 03"})
        self.assertEqual(request.excluded_count, 3)
        self.assertEqual(request.credits_charged, 7, "known companies are never charged")
        self.assertEqual(request.result_summary, "7 of 10 opportunities created: 10 companies match your filters, "
                                                  "3 already in your CRM and skipped, 7 credits charged.")

    def test_known_companies_are_probed_in_a_widening_window(self):
        """Picking asks "known?" of the first companies of the order only: 60
        known companies ranked first are passed over and counted (the first
        window of 50 holds none that is new), while known companies ranked
        after the ones picked are neither probed nor counted."""
        Company = self.env["crm.iap.lead.directory.company"]
        self.directory.active = False
        known = Company.create([{
            "name": f"Known {n}", "domain": f"known{n}.example", "country_id": self.country_it.id,
        } for n in range(60)])
        new = Company.create([{
            "name": f"New {n}", "domain": f"new{n}.example", "country_id": self.country_it.id,
        } for n in range(10)])
        self.env["crm.lead"].create([{"name": f"Lead {n}", "website": f"https://known{n}.example"} for n in range(60)])
        request = self._directory_request(lead_number=5, country_ids=[(6, 0, self.country_it.ids)])
        search = self.env["crm.iap.lead.provider.directory"]._search(request)

        new.delivery_count = 1  # the known ones first
        picked, skipped = self.env["crm.iap.lead.directory.search"]._pick_companies(search)
        self.assertEqual((len(picked), skipped), (5, 60))
        self.assertLessEqual(set(picked), set(new.ids))

        known.delivery_count = 2  # the known ones last
        picked, skipped = self.env["crm.iap.lead.directory.search"]._pick_companies(search)
        self.assertEqual((len(picked), skipped), (5, 0))
        self.assertLessEqual(set(picked), set(new.ids))

    @users("user_sales_manager")
    def test_company_known_only_by_its_email_domain_is_never_charged(self):
        """Its website domain is new, its e-mail domain is a lead's: delivery
        would skip it as known, so picking leaves it out before charging."""
        group, other = self.env["crm.iap.lead.directory.company"].create([{
            "name": "Brand Of A Group", "domain": "brand-shop.example", "emails": "Sales@Group-Holding.example",
            "country_id": self.country_it.id, "industry_id": self.media.id,
        }, {
            "name": "Independent Media", "domain": "independent.example", "emails": "info@independent.example",
            "country_id": self.country_it.id, "industry_id": self.media.id,
        }])
        self.env["crm.lead"].sudo().create({"name": "The group", "email_from": "buyer@group-holding.example"})
        balance = self._balance()
        request = self._directory_request(
            lead_number=2, country_ids=[(6, 0, self.country_it.ids)], industry_ids=[(6, 0, self.media.ids)],
        )
        request.action_submit()
        self.assertEqual(request.lead_ids.mapped("name"), [other.name])
        self.assertEqual(request.excluded_count, 1)
        self.assertEqual(request.duplicate_count, 0, "nothing picked and then skipped")
        self.assertEqual(request.credits_charged, 1)
        self.assertEqual(self._balance(), balance - 1, "no credit for the company already in the CRM")
        self.assertEqual(group.delivery_count, 0)

    @users("user_sales_manager")
    def test_iap_known_company_is_enriched_not_created(self):
        self._use_protocol("clearbit")  # it answers known companies again (D&B: see test_iap_protocols)
        self.lead_mining_server.repeat_companies = True
        first = self._new_request(lead_number=3)
        first.action_submit()
        self.assertEqual(len(first.lead_ids), 3)

        second = self._new_request(lead_number=3)
        second.action_submit()
        self.assertEqual(second.state, "done")
        self.assertFalse(second.lead_ids)
        self.assertEqual(second.duplicate_count, 3)
        for lead in first.lead_ids:
            self.assertEqual(len(lead.message_ids), 2, "the known lead got the new enrichment note")
            self.assertIn(second.name, str(lead.message_ids[0].body))
        lines = self.env["crm.iap.lead.credit.line"].search([("request_id", "=", second.id)])
        self.assertEqual([(line.reason, line.amount) for line in lines], [("known", -3)])
        self.assertEqual(second.result_summary, "0 of 3 opportunities created: Odoo IAP returned 3 companies, "
                                                 "3 already in your CRM (given the new note), 3 credits charged.")


@tagged("post_install", "-at_install", "lead_mining")
class TestDirectoryEngine(DirectoryCase):
    """The engine's own SQL and the one price of each source."""

    def _deliver_counting_queries(self, lead_number):
        request = self._directory_request(
            lead_number=lead_number, country_ids=[(6, 0, self.country_es.ids)], search_type="people",
            preferred_role_id=self.role_sale.id, role_ids=[(6, 0, self.role_finance.ids)], contact_number=2,
        )
        provider = self.env["crm.iap.lead.provider.directory"]
        search = provider._search(request)
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        delivery = self.env["crm.iap.lead.directory.search"]._deliver(search, provider._prices(), lambda _d: None)
        return delivery, self.env.cr.sql_log_count - before

    def test_delivery_is_a_fixed_number_of_queries_whatever_its_size(self):
        small, small_queries = self._deliver_counting_queries(2)
        big, big_queries = self._deliver_counting_queries(12)
        self.assertEqual((len(small.company_ids), len(big.company_ids)), (2, 12))
        picked = self.env["crm.iap.lead.directory.company"].browse(big.company_ids)
        self.assertEqual(big.contact_count, sum(min(len(company.contact_ids), 2) for company in picked),
                         "2 contacts a company at most, of the roles asked (all of them here)")
        self.assertEqual(big.cost, 12 + big.contact_count, "1 credit a company of the own directory, 1 a contact")
        self.assertEqual(small_queries, big_queries)

    @users("user_sales_manager")
    def test_cost_line_names_the_sources_when_their_prices_differ(self):
        uk = self.env.ref("base.uk")
        Company = self.env["crm.iap.lead.directory.company"].sudo()
        Company.create([{
            "name": f"Register Co {n}", "country_id": uk.id,
            "register_code": "gb_companies_house", "register_number": f"0900000{n}",
        } for n in range(3)])
        request = self._directory_request(lead_number=3, country_ids=[(6, 0, uk.ids)])
        self.assertEqual(request.cost_summary, "Up to 0 credits: free public register data.")

        Company.create({"name": "Own UK Co", "country_id": uk.id})
        request = self._directory_request(lead_number=3, country_ids=[(6, 0, uk.ids)])
        self.assertEqual(request.cost_summary,
                         "Up to 3 credits: 1 per company found (0 for register companies, 1 for your own).")

        self.env["ir.config_parameter"].sudo().set_param(
            "crm_iap_mine.register_credits_per_company.gb_companies_house", "2")
        request = self._directory_request(lead_number=200, country_ids=[(6, 0, uk.ids)])
        self.assertEqual(request.cost_summary,
                         "Up to 400 credits: 2 per company found (2 for register companies, 1 for your own).")
        self.assertEqual(request._credits_per_company(), 2, "what is reserved is the dearest source")

        request = self._directory_request(lead_number=3, country_ids=[(6, 0, self.country_es.ids)])
        self.assertEqual(request.cost_summary, "Up to 3 credits: 1 per company found.", "one source, one price")
