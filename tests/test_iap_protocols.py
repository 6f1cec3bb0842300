"""Odoo IAP in both protocols: Dun & Bradstreet (the default) and Clearbit.

The protocols (both halves) are tested on plain data; the rest talks to the
loopback service (`lead_mining_server.py`), which speaks both protocols.
"""
import copy
import json
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields, release
from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, tagged, users
from odoo.tools import config, mute_logger

from ..tools import protocols
from ..tools.protocols import clearbit, dnb
from .common import LeadMiningCase
from .lead_mining_server import CLEARBIT_PATH, DNB_PATH

X_GMBH = {
    "duns": "315369934", "name": "X GmbH", "domain": "x.de", "website": "https://www.x.de",
    "phone": "+49 30 123456", "street": "Unter den Linden 1", "city": "Berlin", "zip": "10117",
    "state_code": "BE", "country_code": "DE", "employees": 42, "entity_type": "GmbH",
    "industry_code": "7372", "unspsc_codes": [["43230000", "Software"], ["81110000", "Computer services"]],
    "vat": "DE123456789", "estimated_annual_revenue": 2500000,
}
PROTOCOLS = ("dnb", "clearbit")


@tagged("post_install", "-at_install", "lead_mining")
class TestLeadMiningCodecs(BaseCase):

    def test_dnb_request_parameters(self):
        params = dnb.encode_request({"lead_number": 3}, account_token="t", db_uuid="u", db_version="17.0",
                                    db_lang="es_ES", country_code="ES", reveal_ids=("1", "2"))
        self.assertEqual(params, {
            "account_token": "t", "db_uuid": "u", "db_version": "17.0", "db_lang": "es_ES",
            "country_code": "ES", "query": {"lead_number": 3}, "reveal_ids": ["1", "2"],
        })

    def test_dnb_item_decoded(self):
        result = dnb.decode_answer([X_GMBH])
        self.assertEqual((result.malformed, len(result.items)), (0, 1))
        company = result.items[0]["company_data"]
        self.assertEqual(result.items[0]["people_data"], [], "D&B gives no contacts")
        self.assertEqual({key: company[key] for key in (
            "reveal_id", "name", "domain", "website", "phone", "location", "city", "postal_code",
            "state_code", "country_code", "employees", "company_type", "industries", "vat",
            "estimated_annual_revenue",
        )}, {
            "reveal_id": "315369934", "name": "X GmbH", "domain": "x.de", "website": "https://x.de",
            "phone": "+49 30 123456", "location": "Unter den Linden 1", "city": "Berlin",
            "postal_code": "10117", "state_code": "BE", "country_code": "DE", "employees": 42,
            "company_type": "GmbH", "industries": ["Software", "Computer services"], "vat": "DE123456789",
            "estimated_annual_revenue": "2,500,000",
        })

    def test_invalid_dnb_items_are_counted_not_kept(self):
        broken = [
            {"name": "No Duns"}, dict(X_GMBH, duns=""), dict(X_GMBH, duns=True), dict(X_GMBH, name=None),
            dict(X_GMBH, employees="many"), dict(X_GMBH, unspsc_codes="software"),
            dict(X_GMBH, unspsc_codes=[["1"]]), dict(X_GMBH, city=12), "X GmbH", None,
            dict(X_GMBH, domain=None, website="http://[oops"),
        ]
        result = dnb.decode_answer(broken + [X_GMBH])
        self.assertEqual((result.malformed, len(result.items)), (len(broken), 1))

    def test_clearbit_request_and_items(self):
        self.assertEqual(clearbit.encode_request({"lead_number": 1}, account_token="t", db_uuid="u"),
                         {"account_token": "t", "dbuuid": "u", "data": {"lead_number": 1}})
        valid = {"company_data": {"clearbit_id": "c1", "name": "Acme"}, "people_data": [{"full_name": "Ana"}, "x"]}
        result = clearbit.decode_answer([valid, {"company_data": {"name": "No id"}}, {"people_data": []}])
        self.assertEqual((len(result.items), result.malformed, result.dropped_people), (1, 2, 1))
        self.assertEqual(result.items[0]["people_data"], [{"full_name": "Ana"}])


# Our items as the directory shapes them for the service
# (crm.iap.lead.directory.company._to_service_data): one full, one sparse.
OUR_ITEMS = [{
    "company_data": {
        "clearbit_id": "directory-7", "name": "Peñalara", "legal_name": "Peñalara Software S.L.",
        "domain": "penalara.example", "email": ["info@penalara.example"],
        "phone_numbers": ["+34 911 222 333", "+34 600 000 000"], "phone": False, "location": "Calle Mayor 1",
        "city": "Madrid", "postal_code": "28013", "state_code": "M", "state_name": "Madrid", "country_code": "ES",
        "country_name": "Spain", "description": "Makes software.", "founded_year": 2001, "employees": 42,
        "estimated_annual_revenue": "2,500,000", "sector": "Software", "industry": "Software", "tech": ["odoo"],
        "timezone": "Europe/Madrid", "twitter": False, "facebook": False, "linkedin": False, "crunchbase": False,
        "logo": False,
    },
    "people_data": [{"full_name": "Núria Peña", "title": "Sales Director", "email": "nuria@penalara.example",
                     "phone": False, "role": "sales", "seniority": "director"}],
}, {
    "company_data": {
        "clearbit_id": "directory-8", "name": "Zefiro", "legal_name": "Zefiro", "domain": False, "email": [],
        "phone_numbers": [], "phone": False, "location": False, "city": False, "postal_code": False,
        "state_code": False, "state_name": False, "country_code": "IT", "country_name": "Italy",
        "description": False, "founded_year": False, "employees": False, "estimated_annual_revenue": False,
        "sector": False, "industry": False, "tech": [], "timezone": False, "twitter": False, "facebook": False,
        "linkedin": False, "crunchbase": False, "logo": False,
    },
    "people_data": [],
}]
REVEAL_IDS = ["dir-0a1b2c3d-7", "dir-0a1b2c3d-8"]
# What a D&B client reads of OUR_ITEMS: no contacts, the legal name, one phone.
DNB_COMPANIES = [{
    "reveal_id": "dir-0a1b2c3d-7", "name": "Peñalara Software S.L.", "domain": "penalara.example",
    "website": "https://penalara.example", "phone": "+34 911 222 333", "phone_numbers": ["+34 911 222 333"],
    "email": [], "location": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "state_code": "M",
    "country_code": "ES", "employees": 42, "estimated_annual_revenue": "2,500,000", "company_type": False,
    "industries": ["Software"], "vat": False, "address": "Calle Mayor 1, 28013 Madrid, M, ES",
}, {
    "reveal_id": "dir-0a1b2c3d-8", "name": "Zefiro", "domain": False, "website": False, "phone": False,
    "phone_numbers": [], "email": [], "location": False, "city": False, "postal_code": False, "state_code": False,
    "country_code": "IT", "employees": False, "estimated_annual_revenue": False, "company_type": False,
    "industries": [], "vat": False, "address": "IT",
}]


def _over_the_wire(data):
    return json.loads(json.dumps(data))


@tagged("post_install", "-at_install", "lead_mining")
class TestProtocolHalves(BaseCase):
    """Each protocol's server half answers what its client half reads."""

    def test_what_the_service_answers_a_client_reads_back(self):
        expected = {
            "dnb": [{"company_data": company, "people_data": []} for company in DNB_COMPANIES],
            "clearbit": [dict(item, company_data=dict(item["company_data"], clearbit_id=reveal_id))
                         for item, reveal_id in zip(OUR_ITEMS, REVEAL_IDS)],
        }
        self.assertEqual(set(expected), set(protocols.PROTOCOLS), "every protocol is tested")
        items = copy.deepcopy(OUR_ITEMS)
        for code, protocol in protocols.PROTOCOLS.items():
            with self.subTest(protocol=code):
                result = protocol.decode_answer(_over_the_wire(protocol.encode_answer(items, REVEAL_IDS)))
                self.assertEqual((result.malformed, result.dropped_people), (0, 0))
                self.assertEqual(result.items, expected[code])
                self.assertEqual(items, OUR_ITEMS, "the items given are left as they are")

    def test_dnb_company_data_goes_through_our_service_unchanged(self):
        """What a client reads from D&B, answered again by our service (its
        company type and VAT included), reads the same."""
        read = dnb.decode_answer([X_GMBH]).items
        answered = dnb.encode_answer(read, [X_GMBH["duns"]])
        self.assertEqual(dnb.decode_answer(_over_the_wire(answered)).items, read)
        self.assertEqual((answered[0]["entity_type"], answered[0]["vat"]), ("GmbH", "DE123456789"))

    def test_the_dnb_field_map_is_one_table_for_both_ways(self):
        """Rename every D&B key in the map: the encoder writes the new keys
        only, the decoder reads them, and the companies read the same."""
        renamed = tuple((ours, f"renamed_{theirs}") for ours, theirs in dnb.FIELDS)
        with patch.object(dnb, "FIELDS", renamed):
            answer = _over_the_wire(dnb.encode_answer(OUR_ITEMS, REVEAL_IDS))
            self.assertTrue(all(key.startswith("renamed_") for item in answer for key in item), answer)
            companies = [item["company_data"] for item in dnb.decode_answer(answer).items]
        self.assertEqual(companies, DNB_COMPANIES)
        # And a new line of the map travels both ways.
        with patch.object(dnb, "FIELDS", dnb.FIELDS + (("description", "business_description"),)):
            answer = dnb.encode_answer(OUR_ITEMS[:1], REVEAL_IDS[:1])
            self.assertEqual(answer[0]["business_description"], "Makes software.")
            self.assertEqual(dnb.decode_answer(answer).items[0]["company_data"]["description"], "Makes software.")

    def test_the_service_reads_what_a_client_sends(self):
        query = {"lead_number": 2, "search_type": "companies", "countries": [{"code": "ES", "states": []}]}
        context = {"db_version": "17.0", "db_lang": "es_ES", "country_code": "ES", "reveal_ids": ("k1", "k2")}
        for code, protocol in protocols.PROTOCOLS.items():
            with self.subTest(protocol=code):
                self.assertIn(protocol.path, protocol.server_paths, "a server answers where its clients post")
                # The client sends only the context its protocol names.
                params = protocol.encode_request(query, account_token="t", db_uuid="u",
                                                 **{name: context[name] for name in protocol.request_context})
                known = ["k1", "k2"] if "reveal_ids" in protocol.request_context else []
                self.assertEqual(protocol.read_request(_over_the_wire(params)), (query, known))


@tagged("post_install", "-at_install", "lead_mining")
class TestDnbProtocol(LeadMiningCase):
    """What Odoo's service speaks today, and what it means for the user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_de = cls.env.ref("base.de")

    @users("user_sales_manager")
    def test_dnb_item_becomes_a_lead_with_its_note(self):
        self.lead_mining_server.company_overrides = dict(X_GMBH, vat="<script>alert(1)</script>")
        request = self._new_request(lead_number=1, country_ids=[(6, 0, self.country_de.ids)])
        request.action_submit()

        self.assertEqual(self._mining_calls()[-1]["path"], DNB_PATH)
        lead = request.lead_ids
        self.assertRecordValues(lead, [{
            "name": "X GmbH", "partner_name": "X GmbH", "website": "https://x.de", "phone": "+49 30 123456",
            "street": "Unter den Linden 1", "city": "Berlin", "zip": "10117", "country_id": self.country_de.id,
            "state_id": self.env.ref("base.state_de_be").id, "reveal_id": "315369934",
            "contact_name": False, "partner_id": False,
        }])
        body = str(lead.message_ids.body)
        for fact in ("42", "2,500,000", "GmbH", "Software", "Computer services", "Unter den Linden 1", "https://x.de"):
            self.assertIn(fact, body)
        self.assertNotIn("<script>", body)
        self.assertIn("&lt;script&gt;", body, "escaped like every answer")

    @users("user_sales_manager")
    def test_parameters_carry_every_known_reveal_id(self):
        leads = self.env["crm.lead"].sudo()
        archived = leads.create({"name": "Archived", "reveal_id": "111111111", "active": False})
        lost = leads.create({"name": "Lost", "reveal_id": "222222222", "type": "opportunity"})
        lost.action_set_lost()
        # Mined by the stock module (Clearbit) before the upgrade: sent like the others.
        leads.create({"name": "From Clearbit", "reveal_id": "fake-clearbit-0001"})
        leads.create({"name": "From the directory", "reveal_id": "directory-12"})
        self.assertFalse(archived.active)
        request = self._new_request(lead_number=2, filter_on_size=True, company_size_min=5, company_size_max=50)
        request.action_submit()

        params = self._mining_calls()[-1]["params"]
        self.assertEqual(params["db_uuid"], self.env["ir.config_parameter"].sudo().get_param("database.uuid"))
        self.assertEqual(params["db_version"], release.version)
        self.assertEqual(params["db_lang"], self.env.user.lang)
        self.assertEqual(params["country_code"], self.env.company.country_id.code or None)
        self.assertTrue(params["account_token"])
        self.assertEqual(params["query"], {
            "lead_number": 2, "search_type": "companies", "countries": [{"code": "ES", "states": []}],
            "company_size_min": 5, "company_size_max": 50,
        })
        self.assertTrue({"111111111", "222222222", "fake-clearbit-0001"} <= set(params["reveal_ids"]))
        self.assertNotIn("directory-12", params["reveal_ids"], "the directory's own ids mean nothing there")
        self.assertEqual(len(params["reveal_ids"]), len(set(params["reveal_ids"])))

    @users("user_sales_manager")
    def test_known_companies_are_left_out_and_not_charged(self):
        self.lead_mining_server.repeat_companies = True  # the service would answer the same companies
        first = self._new_request(lead_number=2)
        first.action_submit()
        second = self._new_request(lead_number=2)
        second.action_submit()

        self.assertEqual(len(second.lead_ids), 2)
        self.assertFalse(set(first.lead_ids.mapped("reveal_id")) & set(second.lead_ids.mapped("reveal_id")))
        self.assertEqual(second.duplicate_count, 0)
        self.assertEqual(self.lead_mining_server.balance, 1000 - 4, "2 + 2 new companies, nothing twice")
        reasons = self.env["crm.iap.lead.credit.line"].search([("request_id", "=", second.id)]).mapped("reason")
        self.assertEqual(reasons, ["companies"])

    @users("user_sales_manager")
    def test_domain_dedupe_still_runs_on_the_answer(self):
        """A company known by its website only (no reveal_id) is answered
        and charged again: not created twice, written to the ledger."""
        self.lead_mining_server.repeat_companies = True
        first = self._new_request(lead_number=2)
        first.action_submit()
        first.lead_ids.sudo().reveal_id = False
        second = self._new_request(lead_number=2)
        second.action_submit()

        self.assertEqual((second.state, len(second.lead_ids), second.duplicate_count), ("done", 0, 2))
        lines = self.env["crm.iap.lead.credit.line"].search([("request_id", "=", second.id)])
        self.assertEqual([(line.reason, line.amount) for line in lines], [("known", -2)])

    @users("user_sales_manager")
    def test_contacts_are_not_offered_nor_accepted(self):
        request = self._new_request()
        self.assertFalse(request.provider_gives_contacts)
        with self.assertRaisesRegex(ValidationError, "company directory"):
            self._new_request(search_type="people", contact_number=1,
                              preferred_role_id=self.env.ref("crm_iap_mine.crm_iap_mine_role_1").id)
        self.assertFalse(self._mining_calls())
        self._use_protocol("clearbit")
        request.invalidate_recordset(["provider_gives_contacts"])
        self.assertTrue(request.provider_gives_contacts, "Clearbit gives contacts")
        self._new_request(search_type="people", contact_number=1,
                          preferred_role_id=self.env.ref("crm_iap_mine.crm_iap_mine_role_1").id)

    def test_a_request_with_contacts_of_the_clearbit_era_is_duplicated_for_companies(self):
        self._use_protocol("clearbit")
        old = self._new_request(search_type="people", contact_number=2,
                                preferred_role_id=self.env.ref("crm_iap_mine.crm_iap_mine_role_1").id)
        self._use_protocol("dnb")
        again = old.copy()
        self.assertEqual((again.search_type, again.state), ("companies", "draft"))
        again.action_submit()
        self.assertEqual((again.state, len(again.lead_ids)), ("done", 3))

    def test_settings_choose_the_protocol(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.lead_mining_iap_protocol, "dnb", "D&B by default")
        settings.lead_mining_iap_protocol = "clearbit"
        settings.execute()
        self._new_request(lead_number=1).action_submit()
        self.assertEqual(self._mining_calls()[-1]["path"], CLEARBIT_PATH)
        self.assertEqual(set(self._mining_calls()[-1]["params"]), {"account_token", "dbuuid", "data"},
                         "no known ids nor database details in a Clearbit request")


@tagged("post_install", "-at_install", "lead_mining")
class TestIapProtocolOutcomes(LeadMiningCase):
    """Each outcome, in each protocol."""

    def _submit(self, **values):
        request = self._new_request(**values)
        request.with_context(is_modal=True).action_submit()
        return request

    def _for_each_protocol(self):
        for protocol in PROTOCOLS:
            with self.subTest(protocol=protocol):
                self._use_protocol(protocol)
                self.lead_mining_server.reset()
                self.lead_mining_server.balance = 1000
                yield protocol

    @users("user_sales_manager")
    def test_success(self):
        for protocol in self._for_each_protocol():
            request = self._submit(lead_number=3)
            self.assertEqual((request.state, len(request.lead_ids), request.credits_charged), ("done", 3, 3))
            self.assertEqual(self._mining_calls()[-1]["path"], CLEARBIT_PATH if protocol == "clearbit" else DNB_PATH)
            self.assertEqual(self.lead_mining_server.balance, 997)

    @users("user_sales_manager")
    def test_both_kinds_of_credit_error(self):
        for _protocol in self._for_each_protocol():
            for setup in ("credit_error_result", "insufficient_credit_error"):
                if setup == "credit_error_result":
                    self.lead_mining_server.fail_with = "credit_error"
                else:
                    self.lead_mining_server.balance = 1
                request = self._submit(lead_number=3)
                self.assertEqual((request.state, request.error_type), ("error", "credits"), setup)
                self.assertFalse(request.lead_ids)
                self.assertEqual(request.action_buy_credits()["type"], "ir.actions.act_url")
                self.lead_mining_server.reset()

    @users("user_sales_manager")
    def test_no_result(self):
        for _protocol in self._for_each_protocol():
            self.lead_mining_server.fail_with = "no_result"
            request = self._submit()
            self.assertEqual((request.state, request.error_type), ("error", "no_result"))

    @users("user_sales_manager")
    def test_malformed_items_are_skipped_counted_and_charged(self):
        for _protocol in self._for_each_protocol():
            self.lead_mining_server.malformed_items = 4
            request = self._submit(lead_number=2)
            self.assertEqual((request.state, len(request.lead_ids), request.malformed_count), ("done", 2, 4))
            lines = self.env["crm.iap.lead.credit.line"].search([("request_id", "=", request.id)])
            self.assertIn(("malformed", -4), [(line.reason, line.amount) for line in lines])

    @users("user_sales_manager")
    def test_one_unusable_item_is_skipped_not_the_whole_paid_answer(self):
        for _protocol in self._for_each_protocol():
            self.lead_mining_server.malformed_items = 7  # the last kind: an unparsable website
            request = self._submit(lead_number=2)
            self.assertEqual((request.state, len(request.lead_ids), request.malformed_count), ("done", 2, 7),
                             request.error_message)
            self.assertNotIn("Bad Website", " ".join(request.lead_ids.mapped("name")))

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.tools.lead_mining_client")
    def test_wrong_protocol_names_the_endpoint_and_the_setting(self):
        for protocol in self._for_each_protocol():
            for setup in ("404", "html"):
                if setup == "404":
                    self.lead_mining_server.protocols = set(PROTOCOLS) - {protocol}
                else:
                    self.lead_mining_server.fail_with = "not_json"
                request = self._submit()
                self.assertEqual((request.state, request.error_type), ("error", "protocol"), setup)
                path = CLEARBIT_PATH if protocol == "clearbit" else DNB_PATH
                self.assertIn(self.lead_mining_server.url + path, request.error_message)
                self.assertIn("Service protocol", request.error_message)
                self.assertNotIn("may have charged", request.error_message)
                self.assertEqual(self.lead_mining_server.balance, 1000)
                self.lead_mining_server.reset()


@tagged("post_install", "-at_install", "lead_mining")
class TestIapCharges(LeadMiningCase):
    """What the service charged is written once, to the right account."""

    def _lines(self, request):
        return self.env["crm.iap.lead.credit.line"].search([("request_id", "=", request.id)])

    @users("user_sales_manager")
    def test_ledger_reference_says_whether_leads_were_created(self):
        self._use_protocol("clearbit")  # it answers known companies again (and charges them)
        self.lead_mining_server.repeat_companies = True
        created = self._new_request(lead_number=2)
        created.action_submit()
        self.assertEqual(created.state, "done")
        self.assertEqual(set(self._lines(created).mapped("reference")), {False})

        all_known = self._new_request(lead_number=2)
        all_known.action_submit()
        self.assertEqual((all_known.duplicate_count, len(all_known.lead_ids)), (2, 0))
        self.assertEqual(set(self._lines(all_known).mapped("reference")),
                         {"Charged by the service; no lead was created."})

    @users("user_sales_manager")
    def test_answer_is_not_paid_twice_when_odoo_retries_the_call(self):
        """A serialization failure after the answer: Odoo rolls back and
        retries the whole call; the retry uses the stored answer."""
        request = self._new_request(lead_number=2)
        self.env.cr.flush()
        create_leads = type(request)._create_leads
        attempts = []

        def fail_once(records, items):
            attempts.append(len(items))
            if len(attempts) == 1:
                raise psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")
            return create_leads(records, items)

        with patch.object(type(request), "_create_leads", fail_once):
            with self.assertRaises(psycopg2.OperationalError), self.env.cr.savepoint():
                request.action_submit()  # what Odoo's retry rolls back
            self.assertEqual(request.state, "draft")
            self.assertFalse(self._lines(request), "the first attempt's lines went with it")
            request.action_submit()  # Odoo's retry

        self.assertEqual(attempts, [2, 2])
        self.assertEqual(len(self._mining_calls()), 1, "the service was asked once")
        self.assertEqual(self.lead_mining_server.balance, 998, "and charged once")
        self.assertEqual((request.state, len(request.lead_ids)), ("done", 2))
        self.assertEqual([(line.reason, line.amount) for line in self._lines(request)], [("companies", -2)])

        request.copy().action_submit()
        self.assertEqual(len(self._mining_calls()), 2, "a new submission asks again")

    @users("user_sales_manager")
    @mute_logger("odoo.addons.crm_iap_mine.models.crm_iap_lead_mining_request_recurring")
    def test_a_rolled_back_recurring_run_leaves_its_paid_answer_to_the_next_run(self):
        """The run is created in the transaction that mines it: rolled back,
        it is gone, and the next run takes over the answer it paid for."""
        schedule = self._new_request(lead_number=2, is_recurring=True, recurrence_interval="weekly")
        schedule.action_submit()
        self.assertEqual(schedule.state, "recurring")
        create_leads = type(schedule)._create_leads
        attempts = []

        def fail_once(records, items):
            attempts.append(len(items))
            if len(attempts) == 1:
                raise psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")
            return create_leads(records, items)

        cron = self.env["crm.iap.lead.mining.request"].sudo()._cron_run_recurring_requests
        with patch.object(type(schedule), "_create_leads", fail_once):
            schedule.sudo().next_run_date = fields.Datetime.now() - timedelta(minutes=1)
            cron(autocommit=False)
            self.assertEqual((schedule.state, schedule.run_count), ("recurring", 0),
                             "rolled back: no run, the schedule still due, not paused")
            cron(autocommit=False)

        self.assertEqual(attempts, [2, 2])
        self.assertEqual(len(self._mining_calls()), 1, "the service was asked once")
        self.assertEqual(self.lead_mining_server.balance, 998, "and charged once")
        run = schedule.run_ids
        self.assertEqual((run.state, len(run.lead_ids)), ("done", 2))
        self.assertEqual([(line.reason, line.amount) for line in self._lines(run)], [("companies", -2)])

        schedule.sudo().next_run_date = fields.Datetime.now() - timedelta(minutes=1)
        cron(autocommit=False)
        self.assertEqual(len(self._mining_calls()), 2, "the next run asks again")

    def test_an_answer_of_a_rolled_back_run_waits_for_its_schedule(self):
        schedule = self._new_request(lead_number=2, is_recurring=True, recurrence_interval="weekly")
        schedule.action_submit()
        answers = {}
        for key, schedule_id in (("run", schedule.id), ("request", None)):
            self.env.cr.execute("""
                INSERT INTO crm_iap_lead_mining_answer (request_id, schedule_id, answer)
                VALUES (%s, %s, '{"items": [], "malformed": 0, "dropped_people": 0}') RETURNING id
            """, (2 ** 31 - 1, schedule_id))  # of a request rolled back
            answers[key] = self.env.cr.fetchone()[0]
        Answer = self.env["crm.iap.lead.mining.answer"].sudo()

        def kept():
            Answer._gc_settled_answers()
            self.env.cr.execute("SELECT id FROM crm_iap_lead_mining_answer WHERE id = ANY(%s)", (list(answers.values()),))
            return {answer_id for answer_id, in self.env.cr.fetchall()}

        self.assertEqual(kept(), {answers["run"]}, "a run's answer waits for the next run; a request's goes")
        schedule.action_pause()
        self.assertEqual(kept(), {answers["run"]})
        schedule.action_cancel()
        self.assertEqual(kept(), set(), "no run will come")

    def test_timeout_stays_under_the_worker_time_limit(self):
        requests = self.env["crm.iap.lead.provider.iap"]
        params = self.env["ir.config_parameter"].sudo()
        with patch.dict(config.options, {"limit_time_real": 120}):
            params.set_param("crm_iap_mine.iap_timeout", False)
            self.assertLess(requests._iap_timeout(), 120)
            params.set_param("crm_iap_mine.iap_timeout", "300")
            self.assertLess(requests._iap_timeout(), 120)
            params.set_param("crm_iap_mine.iap_timeout", "30")
            self.assertEqual(requests._iap_timeout(), 30)
        account = self.env["iap.account"].get("reveal")
        self.assertLess(requests._iap_client(account).timeout, 120)

    def test_account_of_the_request_company(self):
        company_a = self.env.company
        company_b = self.env["res.company"].create({"name": "Lead Mining B", "country_id": self.country_es.id})
        self.user_sales_manager.company_ids |= company_b
        accounts = self.env["iap.account"].sudo()
        accounts.create({"service_name": "reveal", "account_token": "token-of-b", "company_ids": [(6, 0, company_b.ids)]})
        # Newer, so picked first when every allowed company counts.
        accounts.create({"service_name": "reveal", "account_token": "token-of-a", "company_ids": [(6, 0, company_a.ids)]})
        request = self.env["crm.iap.lead.mining.request"].with_user(self.user_sales_manager).with_context(
            allowed_company_ids=[company_a.id, company_b.id],
        ).create({
            "provider": "iap", "lead_number": 1, "company_id": company_b.id,
            "country_ids": [(6, 0, self.country_es.ids)], "user_id": self.user_sales_manager.id,
        })
        request.action_submit()

        self.assertEqual(request.state, "done")
        self.assertEqual(self._mining_calls()[-1]["params"]["account_token"], "token-of-b")
        self.assertEqual(self._lines(request).company_id, company_b)
