import hashlib
import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged, users

from .common import DirectoryCase, load_migration


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
        self._use_protocol("clearbit")  # contacts from the service
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


@tagged("post_install", "-at_install", "lead_mining")
class TestDataProtection(DirectoryCase):
    """First-use acknowledgement, retention and the right to be forgotten."""

    @users("user_sales_manager")
    def test_first_request_of_a_user_needs_the_acknowledgement(self):
        self.user_sales_manager.sudo().lead_mining_gdpr_ack_date = False
        request = self._new_request(gdpr_acknowledged=True)
        # Ticked by another user, who acknowledged for themselves only.
        self.user_sales_manager.sudo().lead_mining_gdpr_ack_date = False
        request.gdpr_acknowledged = False
        self.assertTrue(request.gdpr_acknowledgement_needed)
        with self.assertRaisesRegex(UserError, "Tick the box"):
            request.action_submit()
        self.assertFalse(request.lead_ids)
        request.gdpr_acknowledged = True
        request.action_submit()
        self.assertEqual(request.state, "done")
        self.assertTrue(self.user_sales_manager.sudo().lead_mining_gdpr_ack_date)
        later = self._new_request()
        self.assertFalse(later.gdpr_acknowledgement_needed, "once per user")
        later.action_submit()
        self.assertEqual(later.state, "done")

    def test_retention_archives_only_untouched_mined_leads(self):
        request = self._new_request(lead_number=5)
        request.action_submit()
        leads = request.lead_ids.sudo().sorted("id")
        untouched, commented, planned, recent, won = leads
        commented.message_post(body="Called them", message_type="comment")
        planned.activity_schedule("mail.mail_activity_data_call", user_id=self.user_sales_salesman.id)
        won.action_set_won()
        self.env.flush_all()
        old = fields.Datetime.now() - timedelta(days=40)
        self.env.cr.execute("UPDATE crm_lead SET write_date = %s WHERE id = ANY(%s)",
                            (old, (leads - recent).ids))
        self.env.invalidate_all()
        self.assertFalse(self.env["crm.lead"]._cron_archive_untouched_mined_leads(), "off by default")
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.retention_days", 30)
        archived = self.env["crm.lead"]._cron_archive_untouched_mined_leads()
        self.assertEqual(archived, untouched)
        self.assertFalse(untouched.active)
        self.assertTrue(all((leads - untouched).mapped("active")))
        self.assertIn("retention", untouched.message_ids[0].body)

    @users("user_sales_manager")
    def test_forget_an_iap_person_everywhere(self):
        self._use_protocol("clearbit")  # contacts from the service
        request = self._new_request(search_type="people", contact_number=2,
                                    preferred_role_id=self.role_sale.id, lead_number=1)
        request.action_submit()
        lead = request.lead_ids
        email = lead.email_from
        note = lead.message_ids.filtered(lambda m: email in str(m.body))
        self.assertEqual(len(note), 1)
        other_contacts = note.body.count("<tr") - 2  # header row and this person's
        self.assertGreaterEqual(other_contacts, 1)

        forget = self.env["crm.iap.lead.forget"].create({"email": email.upper()})
        forget.action_forget()
        self.assertFalse(lead.email_from or lead.contact_name or lead.function)
        self.assertNotIn(email, str(note.body))
        self.assertEqual(note.body.count("<tr"), other_contacts + 1, "only this person's row went")
        self.assertFalse(lead.sudo().message_ids.tracking_value_ids.filtered(lambda t: email in (t.old_value_char or "")),
                         "no tracking value keeps the address")
        trace = self.env["crm.iap.lead.erasure"].search([], limit=1)
        self.assertEqual((trace.lead_count, trace.note_count, trace.user_id), (1, 1, self.user_sales_manager))
        self.assertEqual(trace, self.env["crm.iap.lead.erasure"]._find_erasures(email))
        self.assertNotIn(email, str(trace.read()))
        self.assertTrue(self.env["mail.blacklist"].sudo().search([("email", "=", email.lower())]),
                        "blocked: the service will not bring the person back")

    @users("user_sales_manager")
    def test_forget_a_directory_contact(self):
        contact = self.directory[0].contact_ids[0]
        email = contact.email
        request = self._directory_request(
            lead_number=1, search_type="people", contact_number=1, contact_filter_type="role",
            preferred_role_id=contact.role_id.id, state_ids=[(6, 0, self.madrid.ids)],
            industry_ids=[(6, 0, self.software.ids)],
        )
        request.action_submit()
        action = contact.action_forget()
        self.assertEqual(action["context"]["default_email"], email)
        forget = self.env["crm.iap.lead.forget"].with_context(**action["context"]).create({"block_email": False})
        forget.action_forget()
        self.assertFalse(contact.exists(), "gone from the directory")
        self.assertFalse(self.env["crm.lead"].search([("email_normalized", "=", email)]))
        self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", email)]))
        self.assertFalse(self.env["mail.blacklist"].sudo().search([("email", "=", email)]))
        self.assertEqual(self.env["crm.iap.lead.erasure"].search([], limit=1).contact_count, 1)


@tagged("post_install", "-at_install", "lead_mining")
class TestForgetAPerson(DirectoryCase):
    """Forget a Person: scoped to the user's companies, keyed trace, nothing left behind."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activate_multi_company()
        cls.Erasure = cls.env["crm.iap.lead.erasure"]

    def _mined_lead(self, company, email, note_emails=()):
        """A lead mined for `company` whose enrichment note lists `note_emails`."""
        request = self.env["crm.iap.lead.mining.request"].sudo().create({
            "provider": "iap", "company_id": company.id, "country_ids": [(6, 0, self.country_es.ids)],
            "team_id": False, "user_id": False,
        })
        lead = self.env["crm.lead"].sudo().create({
            "name": f"Mined for {company.name}", "company_id": company.id, "email_from": email,
            "contact_name": "Ana Person", "lead_mining_request_id": request.id,
        })
        item = {"company_data": {"name": "Acme", "domain": "acme.example"},
                "people_data": [{"full_name": f"Person {n}", "email": e} for n, e in enumerate(note_emails)]}
        note = request._log_notes(lead, request._render_enrichment_notes(lead, [item]))
        return lead, note

    def _forget(self, email, user, companies=None):
        Forget = self.env["crm.iap.lead.forget"].with_user(user)
        if companies:
            Forget = Forget.with_context(allowed_company_ids=companies.ids)
        forget = Forget.create({"email": email, "block_email": False})
        forget.action_forget()
        return forget

    def test_erasure_covers_the_companies_of_the_user_only(self):
        email = "ana.person@acme.example"
        own_lead, own_note = self._mined_lead(self.company_main, email, [email, "bob@acme.example"])
        other_lead, other_note = self._mined_lead(self.company_2, email, [email])
        other_directory = self.env["crm.iap.lead.directory.company"].create({
            "name": "Other Co", "country_id": self.country_es.id, "company_id": self.company_2.id,
            "contact_ids": [(0, 0, {"name": "Ana Person", "email": email})],
        })
        self.assertNotIn(self.company_2, self.user_sales_manager.company_ids)

        self._forget(email, self.user_sales_manager)

        self.assertFalse(own_lead.email_from)
        self.assertNotIn(email, str(own_note.body))
        self.assertIn("bob@acme.example", str(own_note.body))
        self.assertEqual(other_lead.email_from, email, "another company's lead is not this manager's to change")
        self.assertIn(email, str(other_note.body))
        self.assertEqual(other_directory.contact_ids.email, email)
        trace = self.Erasure.sudo().search([], limit=1)
        self.assertEqual((trace.lead_count, trace.note_count, trace.contact_count), (1, 1, 0),
                         "the trace tells nothing of the other company")
        self.assertEqual(trace.company_ids, self.company_main)
        self.assertFalse(self.Erasure.with_user(self.user_sales_manager_mc).with_context(
            allowed_company_ids=self.company_2.ids).search([("id", "=", trace.id)]))

        # Selecting both companies erases in both.
        self._forget(email, self.user_sales_manager_mc, self.company_main | self.company_2)
        self.assertFalse(other_lead.email_from)
        self.assertNotIn(email, str(other_note.body))
        self.assertFalse(other_directory.contact_ids)

    def test_trace_is_a_keyed_hash(self):
        email = "ana.person@acme.example"
        self._mined_lead(self.company_main, email, [email])
        self._forget(email, self.user_sales_manager)
        trace = self.Erasure.sudo().search([], limit=1)
        plain = hashlib.sha256(email.encode()).hexdigest()
        self.assertNotEqual(trace.email_fingerprint, plain, "a plain hash can be found by hashing guesses")
        self.assertEqual(trace.fingerprint_method, "hmac_sha256")
        self.assertEqual(self.Erasure.sudo()._find_erasures(email.upper()), trace)
        self.assertFalse(self.Erasure.sudo()._find_erasures("someone.else@acme.example"))

    def test_older_plain_traces_are_keyed_in_place(self):
        email = "old.erasure@acme.example"
        self.env.cr.execute("""
            INSERT INTO crm_iap_lead_erasure (date, email_fingerprint, lead_count)
            VALUES (now() at time zone 'UTC', %s, 1) RETURNING id
        """, (hashlib.sha256(email.encode()).hexdigest(),))
        legacy = self.Erasure.sudo().browse(self.env.cr.fetchone()[0])
        load_migration("17.0.3.0.0", "post-migration").key_legacy_fingerprints(self.env)  # what an upgrade runs
        self.assertEqual(legacy.fingerprint_method, "hmac_sha256")
        self.assertNotEqual(legacy.email_fingerprint, hashlib.sha256(email.encode()).hexdigest())
        self.assertEqual(self.Erasure.sudo()._find_erasures(email), legacy)

    def test_the_address_does_not_stay_in_the_dialog_table(self):
        email = "ana.person@acme.example"
        forget = self._forget(email, self.user_sales_manager)
        self.assertFalse(forget.exists())
        self.env.cr.execute("SELECT count(*) FROM crm_iap_lead_forget WHERE email ILIKE %s", (email,))
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_note_search_matches_the_address_literally_and_writes_only_changes(self):
        email = "ana_person@acme.example"
        _lead, note = self._mined_lead(self.company_main, email, [email])
        # "_" matches any character in LIKE: this note only looks like a match.
        lookalike_lead, lookalike = self._mined_lead(self.company_main, "anaXperson@acme.example",
                                                     ["anaXperson@acme.example"])
        self.env.flush_all()
        self.env.cr.execute("SELECT write_date FROM mail_message WHERE id = %s", lookalike.ids)
        written = self.env.cr.fetchone()[0]

        self._forget(email, self.user_sales_manager)

        self.assertNotIn(email, str(note.body))
        trace = self.Erasure.sudo().search([], limit=1)
        self.assertEqual(trace.note_count, 1, "only the note that named the person changed")
        self.assertIn("anaXperson@acme.example", str(lookalike.body))
        self.env.cr.execute("SELECT write_date FROM mail_message WHERE id = %s", lookalike.ids)
        self.assertEqual(self.env.cr.fetchone()[0], written, "a note where nothing was removed is not rewritten")
        self.assertEqual(lookalike_lead.email_from, "anaXperson@acme.example")

    def test_escaped_addresses_in_notes_and_stored_answers_are_erased(self):
        email = "o'brien&co@acme.example"
        lead, note = self._mined_lead(self.company_main, email, [email, "bob@acme.example"])
        self.assertNotIn(email, str(note.body), "the note holds the address HTML-escaped")
        # A note written by another version, with the apostrophe as an entity.
        _other_lead, older_note = self._mined_lead(self.company_main, "bob@acme.example", ["bob@acme.example"])
        self.env.cr.execute("UPDATE mail_message SET body = replace(body, 'bob@acme.example', %s) WHERE id = %s",
                            ("o&#39;brien&amp;co@acme.example", older_note.id))
        older_note.invalidate_recordset(["body"])
        request = lead.lead_mining_request_id
        other_request = self.env["crm.iap.lead.mining.request"].sudo().create({
            "provider": "iap", "company_id": self.company_2.id, "country_ids": [(6, 0, self.country_es.ids)],
            "team_id": False, "user_id": False,
        })
        item = {"company_data": {"name": "Acme", "email": [email.upper(), "info@acme.example"]},
                "people_data": [{"full_name": "Ann O'Brien", "email": email}, {"full_name": "Bob", "email": "bob@acme.example"}]}
        answers = {}
        # The stored answers of a request of this company, of a request rolled back, of another company.
        for key, request_id in (("own", request.id), ("orphan", 2 ** 31 - 1), ("other", other_request.id)):
            self.env.cr.execute("INSERT INTO crm_iap_lead_mining_answer (request_id, answer) VALUES (%s, %s) RETURNING id",
                                (request_id, json.dumps({"items": [item], "malformed": 0, "dropped_people": 0})))
            answers[key] = self.env.cr.fetchone()[0]

        self._forget(email, self.user_sales_manager)

        self.assertFalse(lead.email_from)
        for message in (note, older_note):
            self.assertNotIn("brien&amp;co@", str(message.body))
            self.assertNotIn("brien&#39;", str(message.body).replace("&amp;", "&"))
        self.assertIn("bob@acme.example", str(note.body), "only the person's row went")
        self.env.cr.execute("SELECT id, answer FROM crm_iap_lead_mining_answer WHERE id = ANY(%s)", (list(answers.values()),))
        stored = dict(self.env.cr.fetchall())
        for key in ("own", "orphan"):
            self.assertNotIn("brien&co", json.dumps(stored[answers[key]]).lower())
            self.assertEqual(stored[answers[key]]["items"][0]["people_data"], [{"full_name": "Bob", "email": "bob@acme.example"}])
            self.assertEqual(stored[answers[key]]["items"][0]["company_data"]["email"], ["info@acme.example"])
        self.assertEqual(stored[answers["other"]], {"items": [item], "malformed": 0, "dropped_people": 0},
                         "another company's answer is not this manager's to change")
        trace = self.Erasure.sudo().search([], limit=1)
        self.assertEqual((trace.lead_count, trace.note_count, trace.answer_count), (1, 2, 2))

    def test_the_trace_lists_the_service_clients_that_received_the_person(self):
        Client = self.env["crm.iap.lead.service.client"]
        received, maybe, companies_only = Client.create([{"name": name} for name in ("Received", "Maybe", "Companies")])
        token = received.action_generate_token()["params"]["message"].rsplit(" ", 1)[-1]
        self.env["crm.iap.lead.credit.line"]._record(received.company_id, "directory", [(10, "topup")],
                                                     reference="T", service_client=received)
        query = {"lead_number": 1, "search_type": "people", "contact_number": 1, "contact_filter_type": "role",
                 "preferred_role": self.role_sale.reveal_id, "countries": [{"code": "IT", "states": []}]}
        # The service starts each call with a fresh transaction (a rollback):
        # served on a test cursor, as over HTTP, so the rollback keeps this test's data.
        self.env.flush_all()
        self.registry.enter_test_mode(self.env.cr)
        self.addCleanup(self.registry.leave_test_mode)
        with self.registry.cursor() as cr:
            answer = self.env(cr=cr)["crm.iap.lead.service.call"]._handle(
                "clearbit", {"account_token": token, "data": query})
        self.env.invalidate_all()
        self.assertEqual(answer[0], "result", answer)
        email = answer[1]["data"][0]["people_data"][0]["email"]
        call = self.env["crm.iap.lead.service.call"].search([("client_id", "=", received.id)])
        self.assertTrue(call.contacts_recorded)
        self.assertEqual(len(call.delivered_contact_ids), 1)
        self.assertNotIn(email, str(call.delivered_contact_ids.read()), "a fingerprint, not the address")
        person_company = call.delivered_company_ids
        # Calls of an earlier version: which companies went where, with or without contacts.
        self.env["crm.iap.lead.service.call"].create([{
            "client_id": client.id, "protocol": "clearbit", "outcome": "done", "company_count": 1,
            "contact_count": contacts, "delivered_company_ids": [(6, 0, person_company.ids)],
        } for client, contacts in ((maybe, 1), (companies_only, 0))])

        self._forget(email, self.user_sales_manager)

        trace = self.Erasure.sudo().search([], limit=1)
        self.assertEqual(trace.contact_count, 1)
        self.assertEqual(trace.service_client_ids, received)
        self.assertEqual(trace.possible_service_client_ids, maybe)
