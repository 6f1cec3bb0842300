"""The D&B route answers the client of every Odoo version in its own shape.

Each test posts, over real HTTP to the test server, the parameters a given
version of Odoo's crm_iap_mine sends (their keys are listed, with the source
of each, in docs/developer.md, *Every client version*): 17.0 to 19.0 name
industries by IAP sector ids (`industry_ids`), later versions by SIC major
groups (`sic_groups`); 17.0 reads "not enough credits" from Odoo's
InsufficientCreditError, later versions from the answer's `credit_error` flag.
"""
import csv
import json

from odoo.tests import tagged
from odoo.tools.misc import file_path

from .common import LeadMiningServiceCase
from .lead_mining_server import DNB_PATH as DNB

INSUFFICIENT = "odoo.addons.iap.tools.iap_tools.InsufficientCreditError"
USER_ERROR = "odoo.exceptions.UserError"

# db_version as each client sends it (its release.version).
VERSIONS_17 = ("17.0", "17.0+e", "saas~17.4")
VERSIONS_LATER = ("18.0", "18.0+e", "19.0", "saas~19.4", "19.5alpha1")
# The SIC major groups a client of Odoo 19.4 and later offers (its
# data/crm.iap.lead.industry.csv), and those that hold no company of ours.
OFFERED_SIC_GROUPS = (
    1, 2, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
    63, 64, 65, 67, 70, 72, 73, 75, 76, 78, 79, 80, 81, 82, 83, 84, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 99,
)
OUTSIDE_THE_DIRECTORY = (88, 91, 92, 93, 94, 95, 96, 97, 99)  # households, public administration, nonclassifiable


@tagged("post_install", "-at_install", "lead_mining")
class TestClientVersions(LeadMiningServiceCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.Company
        cls.media = cls.env.ref("crm_iap_mine.crm_iap_mine_industry_86")
        cls.software = cls.env.ref("crm_iap_mine.crm_iap_mine_industry_165")
        # Software never delivered, Media delivered once: a search that
        # ignores its industries picks Software first (least delivered first).
        cls.directory = Company.create([{
            "name": f"{industry.name} Co {number}", "domain": f"{industry.id}-{number}.example",
            "country_id": cls.env.ref("base.es").id, "employees": 20, "industry_id": industry.id,
            "delivery_count": int(industry == cls.media),
        } for industry in (cls.software, cls.media) for number in range(12)])
        cls.client = cls.env["crm.iap.lead.service.client"].create({"name": "Member database"})
        cls.token = cls.client.action_generate_token()["params"]["message"].rsplit(" ", 1)[-1]
        cls.env["crm.iap.lead.credit.line"]._record(
            cls.client.company_id, "directory", [(100, "topup")], reference="T", service_client=cls.client)

    # -- helpers ------------------------------------------------------------

    def _search(self, db_version, industries, lead_number=2):
        """The answer to the parameters `db_version`'s client sends; `industries`
        is its query's industry key and value."""
        query = dict({"lead_number": lead_number, "search_type": "companies",
                      "countries": [{"code": "ES", "states": []}]}, **industries)
        params = {"account_token": self.token, "db_uuid": "client-uuid", "query": query, "db_version": db_version,
                  "db_lang": "es_ES", "country_code": "ES", "reveal_ids": []}
        response = self.url_open(DNB, data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 3}),
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        return response.json()

    def _last_call(self):
        return self.env["crm.iap.lead.service.call"].search([], limit=1)

    def _delivered_industries(self, answer):
        duns = [item["duns"] for item in answer["result"]["data"]]
        ids = [int(reveal_id.rsplit("-", 1)[1]) for reveal_id in duns]
        return self.env["crm.iap.lead.directory.company"].browse(ids).industry_id

    # -- query shapes -----------------------------------------------------------

    def test_industry_ids_of_17_to_19_clients(self):
        for db_version in ("17.0", "18.0", "19.0"):
            with self.subTest(db_version=db_version):
                answer = self._search(db_version, {"industry_ids": self.media._get_reveal_ids()})
                self.assertEqual(len(answer["result"]["data"]), 2)
                self.assertEqual(self._delivered_industries(answer), self.media)

    def test_sic_groups_of_later_clients(self):
        # 27 (printing and publishing) and 78 (motion pictures) are Media to us.
        for db_version in ("saas~19.4", "19.5alpha1"):
            with self.subTest(db_version=db_version):
                answer = self._search(db_version, {"sic_groups": [27, 78]})
                self.assertEqual(len(answer["result"]["data"]), 2)
                self.assertEqual(self._delivered_industries(answer), self.media,
                                 "only Media, though Software comes first in the rotation")
                self.assertEqual(self._last_call().credits, 2)

    def test_sic_groups_outside_the_directory_are_refused_and_not_charged(self):
        error = self._search("19.5alpha1", {"sic_groups": [91, 99]})["error"]["data"]
        self.assertEqual(error["name"], USER_ERROR)
        self.assertEqual(error["message"], "The directory has no company in the SIC major groups 91, 99.")
        self.assertEqual((self._last_call().outcome, self.client.balance), ("refused_request", 100))

    def test_sic_groups_that_are_not_major_groups_are_refused(self):
        for groups in (73, "73", [0], [100], [True], [7.3], ["²"], ["73\n"], [None], {"73": 1}):
            with self.subTest(groups=groups):
                error = self._search("19.5alpha1", {"sic_groups": groups})["error"]["data"]
                self.assertEqual(error["name"], USER_ERROR)
                self.assertIn("whole numbers from 1 to 99", error["message"])
                self.assertEqual(self._last_call().outcome, "refused_request")
        self.assertEqual(self.client.balance, 100, "nothing charged")

    def test_every_offered_sic_group_has_an_industry_or_is_outside_the_directory(self):
        with open(file_path("crm_iap_mine/data/crm.iap.lead.industry.code-sic1987.csv"), encoding="utf-8") as crosswalk:
            shipped = {int(row["code"]) for row in csv.DictReader(crosswalk)}
        self.assertEqual(shipped, set(OFFERED_SIC_GROUPS) - set(OUTSIDE_THE_DIRECTORY))
        codes = self.env["crm.iap.lead.industry.code"].search([("classification", "=", "sic1987")])
        self.assertEqual({int(code.code) for code in codes}, shipped, "the file is loaded")
        self.assertTrue(all(codes.industry_id), "each group means one of our industries")

    # -- out of credits ---------------------------------------------------------

    def test_out_of_credits_as_the_error_a_17_client_catches(self):
        self.client.price_per_company = 1000
        for db_version in VERSIONS_17:
            with self.subTest(db_version=db_version):
                answer = self._search(db_version, {"industry_ids": self.media._get_reveal_ids()})
                self.assertNotIn("result", answer, "a 17.0 client reads an empty result as 'no result'")
                self.assertEqual(answer["error"]["data"]["name"], INSUFFICIENT)
                self.assertEqual(self._last_call().outcome, "refused_credits")
        self.assertEqual(self.client.balance, 100, "nothing charged")

    def test_out_of_credits_as_the_flag_later_clients_read(self):
        self.client.price_per_company = 1000
        for db_version, industries in [(version, {"industry_ids": self.media._get_reveal_ids()})
                                       for version in ("18.0", "18.0+e", "19.0")] + \
                                      [(version, {"sic_groups": [27]}) for version in ("saas~19.4", "19.5alpha1")] + \
                                      [(None, {}), ("not a version", {})]:
            with self.subTest(db_version=db_version):
                answer = self._search(db_version, industries)
                self.assertEqual(answer["result"], {"data": [], "credit_error": True})
                self.assertEqual(self._last_call().outcome, "refused_credits")
        self.assertEqual(self.client.balance, 100, "nothing charged")

    def test_our_own_client_reads_the_17_shape(self):
        """This module is a 17.0 client too: it sends its release.version and
        takes the error as a lack of credits (the service's log line of the
        call is rolled back with the failed request: they share the test
        cursor)."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("reveal.endpoint", self.base_url())
        params.set_param("crm_iap_mine.iap_protocol", "dnb")
        self.env["iap.account"].create({"service_name": "reveal", "account_token": self.token})
        self.env.user.lead_mining_gdpr_ack_date = "2026-01-01"
        self.client.price_per_company = 1000
        request = self.env["crm.iap.lead.mining.request"].create({
            "provider": "iap", "lead_number": 2, "search_type": "companies", "lead_type": "lead",
            "country_ids": [(6, 0, self.env.ref("base.es").ids)], "industry_ids": [(6, 0, self.media.ids)],
        })
        request.action_submit()
        self.env.invalidate_all()
        self.assertEqual((request.state, request.error_type), ("error", "credits"))
