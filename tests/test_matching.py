from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from ..tools.company_names import _FROM as _FOLDS_ALL, _MULTI, name_key, name_key_sql
from .common import RegisterImportCase, _uk_file, load_migration

# (name, expected key): legal forms, accents, case and punctuation folded.
NAMES = [
    ("ACME (UK) Ltd.", "acme uk"),
    ("Acme UK Limited", "acme uk"),
    ("NORDWIND SOFTWARE PLC", "nordwind software"),
    ("Smith & Sons LLP", "smith and sons"),
    ("Société Générale S.A.", "societe generale"),
    ("L'Oréal SA", "loreal"),
    ("Crème Brûlée S.A.R.L.", "creme brulee"),
    ("Boulangerie Dupont SAS", "boulangerie dupont"),
    ("Dupont et Fils SNC", "dupont et fils"),
    ("Éts Martin EURL", "ets martin"),
    ("Bjørn & Sønner AS", "bjorn and sonner"),
    ("Nordlys ASA", "nordlys"),
    ("Fjord Ans", "fjord"),
    ("Åsgård DA", "asgard"),
    ("Müller GmbH", "muller"),
    ("Straße Bau AG", "strasse bau"),
    ("Van den Berg B.V.", "van den berg"),
    ("Janssens NV", "janssens"),
    ("Peeters BVBA", "peeters"),
    ("Rossi S.R.L.", "rossi"),
    ("Københavns Æble ApS", "kobenhavns aeble"),
    ("Dansk Møbel A/S", "dansk mobel"),
    ("Tallinna Õun OÜ", "tallinna oun"),
    ("Eesti Kultuur MTÜ", "eesti kultuur"),
    ("Łódź Żywność", "lodz zywnosc"),
    ("Cafe\u0301 Noir", "cafe noir"),       # a decomposed accent
    ("ÇA VA  --  BIEN!", "ca va bien"),
    ("Œuvre Œcuménique", "oeuvre oecumenique"),
    ("Ltd", None),
    ("", None),
    ("Пример", None),                     # no Latin letter left
    ("Daikin 3M Co", "daikin 3m co"),
]


@tagged("post_install", "-at_install", "lead_mining")
class TestCompanyNames(RegisterImportCase):

    def test_python_and_sql_name_keys_agree(self):
        for name, expected in NAMES:
            self.env.cr.execute(f"SELECT {name_key_sql('%(name)s')}", {"name": name})
            in_sql = self.env.cr.fetchone()[0]
            self.assertEqual(name_key(name), expected, name)
            self.assertEqual(in_sql, expected, f"SQL of {name!r}")

    def test_every_folded_letter_gives_the_same_key_in_python_and_sql(self):
        """The SQL folds the Latin-1 letters first, the others only in a name
        that has some: alone or mixed, each letter folds as in Python."""
        letters = _FOLDS_ALL + "".join(letter for letter, _replacement in _MULTI)
        latin1, other = "àÖø", "ŁšŽ"
        names = [f"{prefix}{letter} Ab{letter}c{suffix} OÜ"
                 for letter in letters for prefix, suffix in (("", ""), (latin1, ""), ("", other), (latin1, other))]
        self.env.cr.execute(f"SELECT {name_key_sql('n')} FROM unnest(%s::varchar[]) WITH ORDINALITY AS t(n, i) "
                            "ORDER BY i", [names])
        self.assertEqual([key for key, in self.env.cr.fetchall()], [name_key(name) for name in names])

    def test_every_way_of_creating_a_company_fills_its_key(self):
        company = self.env["crm.iap.lead.directory.company"].create(
            {"name": "Müller & Söhne GmbH", "country_id": self.country_es.id})
        self.assertEqual(company.name_key, "muller and sohne")
        company.name = "Müller KG"
        self.assertEqual(company.name_key, "muller")
        run = self._import(_uk_file([{"number": "07100001", "name": "ÉCLAIR BAKERY (LONDON) LIMITED",
                                      "zip": "EC1A 1BB"}]))
        self.assertEqual(run.state, "done", run.error_message)
        imported = self._by_number("gb_companies_house")["07100001"]
        self.assertEqual(imported.name_key, "eclair bakery london", "filled in SQL by the import")

    def test_upgrade_fills_the_keys_of_existing_companies(self):
        companies = self.env["crm.iap.lead.directory.company"].create([
            {"name": name, "country_id": self.country_es.id} for name, _key in NAMES[:8]])
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_iap_lead_directory_company SET name_key = NULL WHERE id = ANY(%s)",
                            [companies.ids])
        load_migration("17.0.6.0.0", "post-match").migrate(self.env.cr, "17.0.5.0.0")
        companies.invalidate_recordset()
        self.assertEqual(companies.mapped("name_key"), [key for _name, key in NAMES[:8]])


@tagged("post_install", "-at_install", "lead_mining")
class TestMatching(RegisterImportCase):
    """A planted set: partners and leads whose directory company is known."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uk = cls.env.ref("base.uk")
        cls.fr = cls.env.ref("base.fr")
        cls.no = cls.env.ref("base.no")
        cls.Partner = cls.env["res.partner"]
        cls.Link = cls.env["crm.iap.lead.directory.link"]

    def _plant_uk(self, count=30):
        companies = [{"number": f"{7200000 + n:08d}", "name": f"PLANTED WIDGETS {n} LIMITED",
                      "zip": f"N{n} 1AA"} for n in range(count)]
        run = self._import(_uk_file(companies))
        self.assertEqual(run.state, "done", run.error_message)
        return self._by_number("gb_companies_house")

    def _partners(self, values_list):
        return self.Partner.create([dict({"is_company": True}, **values) for values in values_list])

    def _links(self, records):
        column = "partner_id" if records._name == "res.partner" else "lead_id"
        return {link[column]: link for link in self.Link.sudo().search([(column, "in", records.ids)])}

    def test_register_numbers_link_every_planted_partner(self):
        directory = self._plant_uk()
        Company = self.env["crm.iap.lead.directory.company"]
        sirene = Company.create({"name": "FROMAGERIE DUPONT", "country_id": self.fr.id,
                                 "register_code": "fr_sirene", "register_number": "552100554"})
        brreg = Company.create({"name": "NORDLYS AS", "country_id": self.no.id,
                                "register_code": "no_brreg", "register_number": "923609016"})
        # Numbers as users type them: without the leading zero, spaced, a SIRET.
        by_registry = self._partners([
            {"name": f"Widgets {n}", "company_registry": number.lstrip("0") if n % 2 else f" {number[:4]} {number[4:]}",
             "country_id": self.uk.id if n % 3 else False}
            for n, number in enumerate(sorted(directory))
        ])
        by_vat = self._partners([
            {"name": "Dupont", "vat": "FR40552100554", "country_id": self.fr.id},
            {"name": "Nordlys", "vat": "NO 923 609 016 MVA", "country_id": self.no.id},
            {"name": "Dupont établissement", "company_registry": "552 100 554 00012", "country_id": self.fr.id},
        ])
        # A number of another country's register matches nothing.
        foreign = self._partners([{"name": "Not UK", "company_registry": sorted(directory)[0].lstrip("0"),
                                   "country_id": self.fr.id}])
        partners = by_registry | by_vat | foreign
        partners.with_user(self.user_sales_manager).action_directory_match()
        links = self._links(partners)
        for partner in by_registry:
            link = links.get(partner)
            self.assertTrue(link, f"{partner.company_registry!r} is linked")
            self.assertEqual((link.state, link.evidence), ("linked", "register_number"))
            self.assertEqual(link.directory_company_id.register_number,
                             partner.company_registry.replace(" ", "").zfill(8))
        self.assertEqual(len(by_registry), 30, "100% of the exact register numbers")
        self.assertEqual([(links[p].directory_company_id, links[p].evidence) for p in by_vat],
                         [(sirene, "vat"), (brreg, "vat"), (sirene, "register_number")])
        self.assertNotIn(foreign, links)
        self.assertEqual(by_registry[0].directory_company_id, directory[sorted(directory)[0]])

    def test_names_and_postcodes_are_only_suggested(self):
        directory = self._plant_uk(10)
        # Another company of one planted name, at another postcode; and two
        # of one name at one postcode (which proves nothing).
        self._import(_uk_file([
            {"number": "07300001", "name": "PLANTED WIDGETS 1 LTD", "zip": "E1 6AN"},
            {"number": "07300002", "name": "TWIN HOLDINGS LTD", "zip": "W1 1AA"},
            {"number": "07300003", "name": "Twin Holdings Limited", "zip": "W1 1AA"},
        ]))
        planted = self._partners([
            {"name": f"Planted Widgets {n} Ltd.", "zip": f"n{n}1aa", "country_id": self.uk.id} for n in range(10)
        ])
        decoys = self._partners([
            {"name": "Planted Widgets 2", "zip": "SW1A 1AA", "country_id": self.uk.id},   # another postcode
            {"name": "Planted Widgets 3", "zip": "N3 1AA", "country_id": self.fr.id},     # another country
            {"name": "Twin Holdings", "zip": "W1 1AA", "country_id": self.uk.id},         # two candidates
        ])
        lead = self.env["crm.lead"].create({"name": "Widgets deal", "partner_name": "Planted Widgets 4",
                                            "zip": "N4 1AA", "country_id": self.uk.id})
        (planted | decoys).with_user(self.user_sales_manager).action_directory_match()
        lead.with_user(self.user_sales_manager).action_directory_match()
        links = self._links(planted | decoys)
        self.assertEqual(set(links), set(planted))
        for n, partner in enumerate(planted):
            self.assertRecordValues(links[partner], [{
                "state": "suggested", "evidence": "name_zip", "evidence_value": f"planted widgets {n}",
                "directory_company_id": directory[f"{7200000 + n:08d}"].id,
            }])
        self.assertEqual(self._links(lead)[lead].state, "suggested")
        planted[0].with_user(self.user_sales_manager).action_directory_enrich()
        self.assertFalse(planted[0].company_registry, "a suggestion enriches nothing")

    def test_rejected_suggestions_and_removed_links_are_not_proposed_again(self):
        directory = self._plant_uk(3)
        suggested, linked = self._partners([
            {"name": "Planted Widgets 0", "zip": "N0 1AA", "country_id": self.uk.id},
            {"name": "Widgets One", "company_registry": "7200001", "country_id": self.uk.id},
        ])
        manager = self.user_sales_manager
        (suggested | linked).with_user(manager).action_directory_match()
        self.assertEqual(suggested.directory_link_state, "suggested")
        suggested.with_user(manager).action_directory_reject()
        linked.with_user(manager).action_directory_reject()   # "Remove Link"
        (suggested | linked).invalidate_recordset()
        self.assertFalse(suggested.directory_link_id)
        self.assertFalse(linked.directory_link_id)
        (suggested | linked).with_user(manager).action_directory_match()
        self.env["crm.iap.lead.directory.matching"].with_user(manager).action_match_all()
        self.env["crm.iap.lead.directory.matching"]._cron_match_directory(autocommit=False)
        (suggested | linked).invalidate_recordset()
        self.assertFalse(suggested.directory_link_id, "a rejected suggestion is not proposed again")
        self.assertFalse(linked.directory_link_id, "a removed link is not made again")
        # A confirmed suggestion becomes a link.
        other = self._partners([{"name": "Planted Widgets 2 Limited", "zip": "N2 1AA", "country_id": self.uk.id}])
        other.with_user(manager).action_directory_match()
        other.with_user(manager).action_directory_confirm()
        self.assertRecordValues(other, [{"directory_link_state": "linked",
                                         "directory_company_id": directory["07200002"].id}])
        with self.assertRaises(UserError):
            other.with_user(manager).action_directory_confirm()

    def test_domains_link_unless_shared_or_public(self):
        Company = self.env["crm.iap.lead.directory.company"]
        acme = Company.create({"name": "Acme", "domain": "acme-widgets.example", "country_id": self.uk.id})
        Company.create([{"name": f"Shared {n}", "domain": "shared.example", "country_id": self.uk.id}
                        for n in range(2)])
        Company.create({"name": "Mail", "domain": "gmail.com", "country_id": self.uk.id})
        by_website, by_email, shared, public = self._partners([
            {"name": "A", "website": "https://www.Acme-Widgets.example/about"},
            {"name": "B", "email": "sales@acme-widgets.example"},
            {"name": "C", "website": "shared.example"},
            {"name": "D", "email": "someone@gmail.com"},
        ])
        (by_website | by_email | shared | public).with_user(self.user_sales_manager).action_directory_match()
        links = self._links(by_website | by_email | shared | public)
        self.assertEqual(set(links), {by_website, by_email})
        self.assertEqual({(link.directory_company_id, link.evidence, link.state) for link in links.values()},
                         {(acme, "domain", "linked")})

    def test_other_companies_directory_and_records_stay_apart(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        Company = self.env["crm.iap.lead.directory.company"]
        Company.create({"name": "Private", "domain": "private.example", "country_id": self.uk.id,
                        "company_id": other_company.id})
        partner = self._partners([{"name": "P", "website": "private.example", "company_id": self.env.company.id}])
        partner.with_user(self.user_sales_manager).action_directory_match()
        self.assertFalse(self._links(partner), "another company's directory is no candidate")
        theirs = self._partners([{"name": "Theirs", "company_registry": "7200000", "country_id": self.uk.id,
                                  "company_id": other_company.id}])
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_sales_manager).action_directory_match()
        self._plant_uk(1)
        theirs.action_directory_match()
        link = self._links(theirs)[theirs]
        with self.assertRaises(AccessError):
            link.with_user(self.user_sales_manager).read(["state"])
        self.assertEqual(link.company_id, other_company)

    @users("user_sales_salesman")
    def test_salesman_cannot_change_links_of_records_he_cannot_write(self):
        self.env["crm.iap.lead.directory.company"].sudo().create(
            {"name": "Acme", "domain": "acme.example", "country_id": self.uk.id})
        lead = self.env["crm.lead"].sudo().create({"name": "Someone else's", "website": "acme.example",
                                                   "user_id": self.user_sales_leads.id, "type": "lead"})
        lead.action_directory_match()
        lead.invalidate_recordset()
        self.assertEqual(lead.sudo().directory_link_state, "linked")
        with self.assertRaises(AccessError):
            lead.with_user(self.user_sales_salesman).action_directory_reject()
        with self.assertRaises(AccessError):
            self.env["crm.iap.lead.directory.matching"].action_match_all()

    def test_leads_by_number_and_mined_leads_carry_their_link(self):
        directory = self._plant_uk(2)
        lead = self.env["crm.lead"].create({"name": "Lead", "company_registry": "7200001", "country_id": self.uk.id})
        lead.with_user(self.user_sales_manager).action_directory_match()
        self.assertEqual(lead.directory_company_id, directory["07200001"])
        request = self._directory_request(lead_number=3, country_ids=[(6, 0, self.country_es.ids)])
        request.action_submit()
        self.assertEqual(len(request.lead_ids), 3)
        for mined in request.lead_ids:
            self.assertEqual(mined.directory_link_evidence, "mined")
            self.assertEqual(mined.directory_link_state, "linked")
            self.assertEqual(f"directory-{mined.directory_company_id.id}", mined.reveal_id)

    def test_a_run_is_the_job_s_to_write_and_the_manager_s_to_cancel(self):
        Matching = self.env["crm.iap.lead.directory.matching"].with_user(self.user_sales_manager)
        run = Matching.browse(Matching.action_match_all()["res_id"])
        # Over RPC, as the form's read-only fields do not stop it.
        with self.assertRaises(AccessError):
            run.write({"state": "done", "last_partner_id": 10 ** 9})
        run.action_cancel()
        self.assertEqual(run.state, "cancel")
        with self.assertRaises(AccessError):
            run.with_user(self.user_sales_salesman).action_cancel()

    def test_a_record_whose_matching_fails_is_passed_over_not_retried_for_ever(self):
        """One partner whose matching always fails (here: made to) costs its
        chunk nothing: the others are linked, it is counted and the run ends."""
        directory = self._plant_uk(12)
        partners = self._partners([{"name": f"F{n}", "company_registry": number, "country_id": self.uk.id}
                                   for n, number in enumerate(sorted(directory))])
        poisoned = partners[4]
        Link = self.env.registry["crm.iap.lead.directory.link"]
        match = Link._match

        def failing_match(link, kind, record_ids):
            if kind == "partner" and poisoned.id in record_ids:
                link.env.cr.execute("SELECT 1 / 0")   # a statement failing inside the transaction
            return match(link, kind, record_ids)

        Matching = self.env["crm.iap.lead.directory.matching"]
        run = Matching.browse(Matching.with_user(self.user_sales_manager).action_match_all()["res_id"])
        with patch.object(Link, "_match", failing_match), mute_logger(
                "odoo.addons.crm_iap_mine.models.crm_iap_lead_directory_matching", "odoo.sql_db"):
            Matching._cron_match_directory(autocommit=False, chunk_size=8)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.failed_count, 1)
        self.assertFalse(poisoned.directory_link_state)
        self.assertTrue(all(p.directory_link_state == "linked" for p in partners - poisoned))

    def test_background_run_matches_everything_in_committed_chunks(self):
        directory = self._plant_uk(12)
        partners = self._partners([{"name": f"W{n}", "company_registry": number, "country_id": self.uk.id}
                                   for n, number in enumerate(sorted(directory))])
        leads = self.env["crm.lead"].create([{"name": f"L{n}", "partner_name": f"Planted Widgets {n}",
                                              "zip": f"N{n} 1AA", "country_id": self.uk.id} for n in range(5)])
        Matching = self.env["crm.iap.lead.directory.matching"]
        action = Matching.with_user(self.user_sales_manager).action_match_all()
        run = Matching.browse(action["res_id"])
        self.assertEqual(run.state, "queued")
        self.assertGreaterEqual(run.total_count, 17)
        # One chunk, as one committed step of the cron, then the rest.
        run._match_chunk(chunk_size=5)
        self.assertEqual((run.partner_count, run.lead_count), (5, 0))
        self.assertGreater(run.progress, 0)
        self.assertLess(run.progress, 100)
        Matching._cron_match_directory(autocommit=False, chunk_size=5)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.progress, 100)
        self.assertGreaterEqual(run.linked_count, 12)
        self.assertGreaterEqual(run.suggested_count, 5)
        self.assertTrue(all(p.directory_link_state == "linked" for p in partners))
        self.assertTrue(all(lead.directory_link_state == "suggested" for lead in leads))
