import base64
import gzip
import os
import shutil
import tempfile
import time
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged, users
from odoo.tools import config, file_path, mute_logger

from ..models import crm_iap_lead_register_import as register_import_module
from ..tools.registers import ADAPTERS
from ..tools.register_files import RegisterCsvReader
from ..tools.registers.loader import RegisterLoader
from .common import (
    FR_ESTABLISHMENTS, FR_UNITS, SAMPLES, UK_FEBRUARY, UK_JANUARY, RegisterImportCase, _read, _zipped,
)


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterImport(RegisterImportCase):
    """Companies House files in the published format, into the directory."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.food = cls.env.ref("crm_iap_mine.crm_iap_mine_industry_153_154")
        cls.services = cls.env.ref("crm_iap_mine.crm_iap_mine_industry_163")
        cls.country_gb = cls.env.ref("base.uk")

    def _snapshot(self):
        return {
            company.register_number: (company.name, company.active, company.write_date)
            for company in self._register_companies()
        }

    def _company(self, number):
        return self._register_companies().filtered(lambda company: company.register_number == number)

    def _report(self, run):
        return {field: run[field] for field in (
            "rows_read", "imported_count", "updated_count", "unchanged_count", "archived_count",
            "excluded_closed_count", "bad_row_count", "unknown_industry_count",
        )}

    @users("user_sales_manager")
    def test_first_import_maps_every_column(self):
        run = self._import(_read(UK_JANUARY))
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual(self._report(run), {
            "rows_read": 10, "imported_count": 7, "updated_count": 0, "unchanged_count": 0, "archived_count": 0,
            "excluded_closed_count": 0, "bad_row_count": 3, "unknown_industry_count": 1,
        })
        # The header's lines are 1; rows start at line 2.
        self.assertEqual(run.bad_rows.splitlines(), [
            "Line 8: 31/13/2015 is not a date (dd/mm/yyyy).",
            "Line 9: the company name is missing.",
            "Line 10: the number 09000001 is already on an earlier line.",
        ])
        self.assertEqual(sorted(self._register_companies().mapped("register_number")),
                         ["09000001", "09000003", "09000004", "09000005", "09000006", "09000010", "SC400002"])
        self.assertEqual(self._company("09000004").register_status, "liquidation", "kept, never delivered")
        nordwind = self._company("09000001")
        self.assertRecordValues(nordwind, [{
            "name": "NORDWIND SOFTWARE LTD", "street": "Floor 3, 10 Finsbury Square", "city": "LONDON",
            "zip": "EC1A 1BB", "country_id": self.country_gb.id, "state_id": False,
            "industry_id": self.software.id, "founded_year": 2015, "employees": 0, "active": True,
            "company_id": False, "delivery_count": 0, "legal_form": "Private Limited Company",
        }])
        self.assertTrue(self.env["ir.cron.trigger"].sudo().search(
            [("cron_id", "=", self.env.ref("crm_iap_mine.ir_cron_lookalike_learn").id)]),
            "the lookalike ranking counts the new companies")
        highland = self._company("SC400002")
        self.assertEqual(highland.state_id, self.env.ref("base.state_uk2"), "the county is Odoo's state")
        self.assertEqual(highland.industry_id, self.food)
        self.assertEqual(self._company("09000003").industry_id, self.services)
        self.assertFalse(self._company("09000005").industry_id, "99999 Dormant is counted, not guessed")
        self.assertFalse(self._company("09000006").industry_id)
        self.assertFalse(self._company("09000006").founded_year)
        bakery = self._company("09000010")
        self.assertEqual(bakery.name, 'BRIGHTON "SOURDOUGH" BAKERY LTD')
        self.assertEqual(bakery.street, "Unit 4, The Arches")
        self.assertEqual(bakery.industry_id, self.food, "the first SIC code given, whichever column")

    @users("user_sales_manager")
    def test_same_file_again_changes_nothing(self):
        self._import(_read(UK_JANUARY))
        before = self._snapshot()
        run = self._import(_read(UK_JANUARY))
        self.assertEqual(self._report(run), {
            "rows_read": 10, "imported_count": 0, "updated_count": 0, "unchanged_count": 7, "archived_count": 0,
            "excluded_closed_count": 0, "bad_row_count": 3, "unknown_industry_count": 1,
        })
        self.assertEqual(self._snapshot(), before)

    @users("user_sales_manager")
    def test_monthly_update_from_a_zip(self):
        self._import(_read(UK_JANUARY))
        cardiff = self._company("09000003")
        request = self._directory_request(lead_number=10, country_ids=[(6, 0, self.country_gb.ids)])
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        self.assertEqual(cardiff.delivery_count, 1)
        unchanged = self._snapshot()

        run = self._import(_zipped(_read(UK_FEBRUARY)), file_name="renamed-download.bin", scope="complete")
        self.assertEqual(run.state, "to_confirm", "2 of the 6 companies to archive, more than 10 %")
        self.assertEqual(self._snapshot(), unchanged, "nothing changed before the confirmation")
        run.action_confirm_archive()
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual(self._report(run), {
            "rows_read": 7, "imported_count": 1, "updated_count": 2, "unchanged_count": 3, "archived_count": 2,
            "excluded_closed_count": 0, "bad_row_count": 1, "unknown_industry_count": 1,
        })
        self.assertEqual(self._company("SC400002").name, "HIGHLAND DISTILLERS (ANGUS) LIMITED")
        self.assertEqual(self._company("09000011").industry_id, self.media)
        # Dissolved (gone from the complete file): archived, history kept.
        self.assertFalse(cardiff.active)
        self.assertEqual(cardiff.delivery_count, 1)
        self.assertEqual(cardiff.last_request_id, request)
        # In liquidation: kept with its status, never delivered.
        self.assertRecordValues(self._company("09000005"), [{"active": True, "register_status": "liquidation"}])
        for number in ("09000001", "09000006", "09000010"):
            self.assertEqual(self._snapshot()[number], unchanged[number], f"{number} did not change")

    @users("user_sales_manager")
    def test_a_file_of_another_kind_changes_nothing(self):
        self._import(_read(UK_JANUARY))
        before = self._snapshot()
        run = self._import(_read("crm_iap_mine/static/xls/crm_iap_lead_directory_company.csv"))
        self.assertEqual(run.state, "error")
        self.assertIn("Line 1: this is not a file of Companies House (United Kingdom)", run.error_message)
        self.assertIn("CompanyNumber", run.error_message)
        self.assertEqual(self._snapshot(), before)

    @users("user_sales_manager")
    def test_a_truncated_file_changes_nothing_and_names_the_line(self):
        self._import(_read(UK_JANUARY))
        before = self._snapshot()
        february = _read(UK_FEBRUARY)
        # Cut in the middle of the sixth row (line 7), inside a quoted field.
        cut = february[:february.index(b"NEW HORIZON") + 5]
        run = self._import(cut)
        self.assertEqual(run.state, "error")
        self.assertIn("Line 8: the file is truncated or damaged", run.error_message)
        self.assertEqual(self._snapshot(), before)
        # A row cut between two fields has too few of them.
        cut = february[:february.index(b'"MANCHESTER"') - 1] + b"\r\n"
        run = self._import(cut)
        self.assertIn("Line 8: the file is truncated or damaged", run.error_message)
        self.assertIn("fields where the header has 55", run.error_message)
        self.assertEqual(self._snapshot(), before)

    # Odoo guesses the attachment's type from the broken zip, and says so.
    @mute_logger("odoo.tools.mimetypes", "py.warnings")
    @users("user_sales_manager")
    def test_a_truncated_zip_changes_nothing(self):
        self._import(_read(UK_JANUARY))
        before = self._snapshot()
        zipped = _zipped(_read(UK_FEBRUARY))
        run = self._import(zipped[:len(zipped) // 2])
        self.assertEqual(run.state, "error")
        self.assertIn("zip archive", run.error_message)
        self.assertEqual(self._snapshot(), before)

    @users("user_sales_manager")
    def test_register_companies_are_mined_for_free_unless_priced(self):
        self._import(_read(UK_JANUARY))
        first = self._directory_request(lead_number=4, country_ids=[(6, 0, self.country_gb.ids)])
        first.action_submit()
        self.assertEqual(first.state, "done", first.error_message)
        self.assertEqual(len(first.lead_ids), 4)
        self.assertEqual(set(first.lead_ids.mapped("country_id")), {self.country_gb})
        self.assertEqual(first.credits_charged, 0)
        self.assertEqual(self._balance(), 100)

        self.env["ir.config_parameter"].sudo().set_param(
            "crm_iap_mine.register_credits_per_company.gb_companies_house", "2")
        request = self._directory_request(lead_number=2, country_ids=[(6, 0, self.country_gb.ids)])
        request.action_submit()
        self.assertEqual(len(request.lead_ids), 2)
        first_names = set(first.lead_ids.mapped("partner_name"))
        self.assertFalse(first_names & set(request.lead_ids.mapped("partner_name")), "the least delivered first")
        self.assertEqual(request.credits_charged, 4)
        self.assertEqual(self._balance(), 96)

    @users("user_sales_manager")
    def test_own_directory_companies_still_cost_one_credit(self):
        self._import(_read(UK_JANUARY))
        request = self._directory_request(lead_number=3, country_ids=[(6, 0, self.country_it.ids)])
        request.action_submit()
        self.assertEqual(request.credits_charged, 3)
        self.assertEqual(self._balance(), 97)

    @users("user_sales_manager")
    def test_a_server_path_is_for_administrators(self):
        run = self.imports.create({"register_code": "gb_companies_house"}).with_user(self.env.user)
        run.sudo().write({"source": "server", "server_path": file_path(UK_JANUARY)})
        with self.assertRaises(AccessError):
            run.action_import()

    def test_a_server_path_must_be_a_readable_file(self):
        self.patch(config, "options", dict(config.options, crm_iap_mine_register_dir=file_path(SAMPLES)))
        run = self.imports.create({
            "register_code": "gb_companies_house", "source": "server", "server_path": file_path(SAMPLES),
        })
        with self.assertRaisesRegex(UserError, "is not a readable file"):
            run.action_import()
        run.server_path = file_path(UK_JANUARY)
        run.action_import()
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual(run.imported_count, 7)


@tagged("post_install", "-at_install", "lead_mining")
class TestBrregImport(RegisterImportCase):
    """Norway's Enhetsregisteret CSV, gzipped as downloaded: GDPR exclusions, size, website."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_no = cls.env.ref("base.no")

    def _import_brreg(self):
        return self._import(gzip.compress(_read(SAMPLES + "no_brreg_enheter.csv")), "no_brreg", "enheter_alle.csv.gz")

    def _units(self):
        return self._by_number("no_brreg")

    @users("user_sales_manager")
    def test_natural_persons_and_closed_units_are_never_imported(self):
        run = self._import_brreg()
        self.assertEqual(run.state, "done", run.error_message)
        self.assertRecordValues(run, [{
            "rows_read": 8, "imported_count": 5, "excluded_person_count": 1, "excluded_closed_count": 0,
            "undeliverable_count": 2,
            "bad_row_count": 2, "unknown_industry_count": 1,
        }])
        self.assertEqual(run.bad_rows.splitlines(), [
            "Line 7: 12345 is not a valid register number.",
            "Line 8: mange is not a number of employees.",
        ])
        units = self._units()
        self.assertEqual(sorted(units), ["910000001", "910000002", "910000004", "910000005", "910000008"])
        self.assertEqual((units["910000004"].register_status, units["910000005"].register_status),
                         ("bankrupt", "winding_up"), "kept, never delivered")
        self.assertRecordValues(units["910000001"], [{
            "name": "NORDLYS PROGRAMVARE AS", "domain": "nordlys-programvare.example", "employees": 12,
            "industry_id": self.software.id, "country_id": self.country_no.id, "city": "OSLO", "zip": "0155",
            "street": "Storgata 1", "founded_year": 2012, "legal_form": "AS",
        }])
        self.assertEqual(units["910000002"].name, "FJORD SJØMAT AS")
        self.assertEqual(units["910000008"].domain, "eksempel-direktorat.example")

    @users("user_sales_manager")
    def test_a_companies_house_file_is_refused_as_brreg(self):
        run = self._import(_read(UK_JANUARY), "no_brreg")
        self.assertEqual(run.state, "error")
        self.assertEqual(run.error_message, "This is a file of Companies House (United Kingdom), not of Brønnøysund "
                                            "Register Centre (Norway): choose the register it comes from.")
        self.assertFalse(self._units())

    @users("user_sales_manager")
    def test_mining_filters_on_size_and_skips_known_websites(self):
        self._import_brreg()
        self.env["res.partner"].sudo().create({
            "name": "Nordlys", "is_company": True, "website": "https://nordlys-programvare.example",
        })
        request = self._directory_request(
            lead_number=10, country_ids=[(6, 0, self.country_no.ids)],
            filter_on_size=True, company_size_min=1, company_size_max=100,
        )
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        # Nordlys is already a partner; the directorate's size is unknown; the bankrupt and the
        # one winding up are never delivered.
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["FJORD SJØMAT AS"])
        self.assertEqual(request.excluded_count, 1)
        self.assertEqual(request.credits_charged, 0)


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterImportInBackground(RegisterImportCase):
    """Queued imports run in the cron, each on its own."""

    @users("user_sales_manager")
    def test_queued_imports_run_each_on_its_own(self):
        damaged = self._queue(_read(UK_JANUARY)[:-40])
        good = self._queue(_read(UK_JANUARY))
        cancelled = self._queue(_read(UK_FEBRUARY))
        cancelled.action_cancel()
        self.assertEqual((damaged + good).mapped("state"), ["queued", "queued"])
        self.assertEqual(good.user_id, self.user_register_admin)

        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(damaged.state, "error")
        self.assertIn("Line 11: the file is truncated or damaged", damaged.error_message)
        self.assertEqual(good.state, "done", good.error_message)
        self.assertEqual(good.imported_count, 7)
        self.assertEqual(cancelled.state, "cancel")
        self.assertEqual(len(self._register_companies()), 7, "the cancelled update did not run")

    @users("user_sales_manager")
    def test_an_import_runs_once(self):
        run = self._queue(_read(UK_JANUARY))
        with self.assertRaisesRegex(UserError, "This import is Queued"):
            run.action_import()
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        with self.assertRaisesRegex(UserError, "This import is Done"):
            run.action_cancel()


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterCredits(RegisterImportCase):
    """Background and recurring requests reserve what register companies cost: nothing when free."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_gb = cls.env.ref("base.uk")

    def _uk_request(self, **values):
        return self._directory_request(country_ids=[(6, 0, self.country_gb.ids)], **values)

    @users("user_sales_manager")
    def test_a_background_request_on_free_register_data_reserves_nothing(self):
        self._import(_read(UK_JANUARY))
        request = self._uk_request(lead_number=250)
        self.assertEqual(request.estimated_credits, 0)
        request.action_submit()
        self.assertEqual((request.state, request.held_credits), ("queued", 0))
        self.assertEqual(self._balance(), 100, "nothing reserved")
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual((request.state, len(request.lead_ids), request.credits_charged), ("done", 6, 0))
        self.assertEqual(self._balance(), 100)

    @users("user_sales_manager")
    def test_a_background_request_on_a_priced_register_reserves_its_price(self):
        self._import(_read(UK_JANUARY))
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_iap_mine.register_credits_per_company.gb_companies_house", "2")
        self.env["crm.iap.lead.credit.line"].sudo()._record(self.env.company, "directory", [(900, "adjustment")])
        request = self._uk_request(lead_number=250)
        self.assertEqual(request.estimated_credits, 500)
        request.action_submit()
        self.assertEqual(request.held_credits, 500)
        self.assertEqual(self._balance(), 1000 - 500)
        self.env["crm.iap.lead.mining.request"].sudo()._cron_mine_in_background(autocommit=False)
        self.assertEqual((request.state, request.credits_charged), ("done", 12))
        self.assertEqual(self._balance(), 1000 - 12, "what was not used came back")

    @users("user_sales_manager")
    def test_own_companies_in_the_same_country_keep_their_price(self):
        self._import(_read(UK_JANUARY))
        self.env["crm.iap.lead.directory.company"].sudo().create({"name": "Own list Ltd", "country_id": self.country_gb.id})
        self.assertEqual(self._uk_request(lead_number=250).estimated_credits, 250)

    @users("user_sales_manager")
    def test_a_monthly_cap_on_free_register_data_never_stops_the_runs(self):
        self._import(_read(UK_JANUARY))
        schedule = self._uk_request(lead_number=2, is_recurring=True, recurrence_interval="weekly",
                                    monthly_credit_cap=1)
        schedule.action_submit()
        schedule.sudo().next_run_date = fields.Datetime.now() - timedelta(minutes=1)
        self.env["crm.iap.lead.mining.request"].sudo()._cron_run_recurring_requests(autocommit=False)
        self.assertEqual(schedule.state, "recurring", "a cap is no reason to pause free data")
        self.assertEqual(len(schedule.run_ids.lead_ids), 2, "a cap of 1 credit does not cut free companies")
        self.assertEqual(schedule.credits_spent_this_month, 0)




@tagged("post_install", "-at_install", "lead_mining")
class TestSireneImport(RegisterImportCase):
    """France's SIRENE pair: headquarters of diffusible legal persons, joined to their legal unit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_fr = cls.env.ref("base.fr")

    def _import_pair(self, first=FR_ESTABLISHMENTS, second=FR_UNITS):
        run = self.imports.create({
            "register_code": "fr_sirene", "file": base64.b64encode(_read(first)),
            "second_file": base64.b64encode(_zipped(_read(second), "StockUniteLegale_utf8.csv")),
        })
        run.action_import()
        return run

    def _companies(self):
        return self._by_number("fr_sirene")

    @users("user_sales_manager")
    def test_headquarters_of_diffusible_legal_persons_are_imported(self):
        run = self._import_pair()
        self.assertEqual(run.state, "done", run.error_message)
        self.assertRecordValues(run, [{
            "rows_read": 18, "imported_count": 3, "excluded_closed_count": 1, "excluded_person_count": 2,
            "excluded_private_count": 1, "bad_row_count": 2, "unknown_industry_count": 1,
        }])
        self.assertEqual(run.bad_rows.splitlines(), [
            "Line 9: 55200X008 is not a valid register number.",
            "Line 10: the legal unit 552000009 is not in the legal units file.",
        ])
        companies = self._companies()
        self.assertEqual(sorted(companies), ["552000001", "552000002", "552000010"],
                         "no branch, no natural person, nothing non-diffusible or closed")
        self.assertRecordValues(companies["552000001"], [{
            "name": "LOGICIELS DU LEVANT", "street": "12 RUE DE LA PAIX", "zip": "75002", "city": "PARIS",
            "country_id": self.country_fr.id, "state_id": False, "industry_id": self.software.id,
            "employees": 20, "founded_year": 2011, "legal_form": "SAS",
        }])
        self.assertRecordValues(companies["552000002"], [{
            "name": "BOULANGERIE DES QUAIS", "street": "3 B QUAI DES CHARTRONS",
            "industry_id": self.env.ref("crm_iap_mine.crm_iap_mine_industry_153_154").id,
            "employees": 0, "founded_year": 1998, "legal_form": "SARL",
        }])
        self.assertFalse(companies["552000010"].industry_id, "public administration has no industry")

        request = self._directory_request(lead_number=10, country_ids=[(6, 0, self.country_fr.ids)],
                                          filter_on_size=True, company_size_min=10, company_size_max=50)
        request.action_submit()
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["LOGICIELS DU LEVANT"],
                         "the unknown size (NN) is left out of a size filter")
        self.assertEqual(request.credits_charged, 0)

    @users("user_sales_manager")
    def test_the_files_are_recognised_in_either_order_and_a_second_import_changes_nothing(self):
        first = self._import_pair(FR_UNITS, FR_ESTABLISHMENTS)
        self.assertEqual((first.state, first.imported_count), ("done", 3), first.error_message)
        again = self._import_pair()
        self.assertRecordValues(again, [{"imported_count": 0, "updated_count": 0, "unchanged_count": 3,
                                         "archived_count": 0}])

    @users("user_sales_manager")
    def test_both_files_are_needed(self):
        run = self.imports.create({
            "register_code": "fr_sirene", "file": base64.b64encode(_read(FR_ESTABLISHMENTS)),
        })
        with self.assertRaisesRegex(UserError, "comes as two files"):
            run.action_import()
        twice = self._import_pair(FR_ESTABLISHMENTS, FR_ESTABLISHMENTS)
        self.assertEqual(twice.state, "error")
        self.assertIn("the second file is not the legal units file", twice.error_message)
        self.assertFalse(self._companies())


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterImportProgress(RegisterImportCase):
    """Live counts written by the worker in its own transaction; Cancel stops a running import."""

    def _live(self, run):
        """The import's live fields as another transaction (the form) reads them."""
        with self.registry.cursor() as cr:
            live = api.Environment(cr, SUPERUSER_ID, {})["crm.iap.lead.register.import"].browse(run.id)
            return {field: live[field] for field in (
                "progress", "live_rows_read", "live_excluded_count", "live_bad_row_count", "live_imported_count")}

    @users("user_sales_manager")
    def test_the_worker_shows_its_counts_and_notifies_the_user_at_the_end(self):
        run = self._queue(_read(UK_JANUARY))
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual(self._live(run), {
            "progress": 100.0, "live_rows_read": 10, "live_excluded_count": 0, "live_bad_row_count": 3,
            "live_imported_count": 7,
        })
        self.assertTrue(any("is done: 7 companies imported, 0 updated, 0 archived." in message
                            for message in _notifications(self.env)))


def _notifications(env):
    env.cr.precommit.run()  # the bus writes its notifications when the transaction commits
    return env["bus.bus"].sudo().search([("message", "like", "simple_notification")]).mapped("message")


def _uk_rows(numbers, renamed=()):
    """Companies House rows of the companies `numbers`, some of them bad
    (a bad date), closed, or repeated; those of `renamed` with another name."""
    rows = ['"CompanyName","CompanyNumber","RegAddress.AddressLine1","RegAddress.PostTown","RegAddress.PostCode",'
            '"CompanyStatus","IncorporationDate","SICCode.SicText_1"']
    for number in numbers:
        name = f"COMPANY {number}{' RENAMED' if number in renamed else ''} LTD"
        status = "Dissolved" if number % 1000 == 3 else "Active"
        founded = "31/13/2003" if number % 997 == 5 else f"{1 + number % 28:02d}/02/2003"
        row = (f'"{name}","{number:08d}","{number} HIGH STREET","LONDON","EC1A 1AA","{status}","{founded}",'
               f'"{62012 if number % 2 else 10110} - An activity"')
        rows.append(row)
        if number % 5000 == 7:
            rows.append(row.replace("HIGH STREET", "LOW STREET"))   # a duplicate number: a bad row
    return ("\n".join(rows) + "\n").encode()


class _Killed(BaseException):
    """The worker killed by the server (not an error the import could catch)."""


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterImportResumable(RegisterImportCase):
    """Background imports work in committed steps within a time budget, resume
    after a killed worker, and give up after 3 runs without progress."""

    # 1,000 companies already imported; a file of 50,000 rows renames some,
    # drops 50 (5 %: archived, under the 10 % to confirm), adds the others.
    BIG_NUMBERS = range(51, 50051)
    RENAMED = set(range(51, 1001, 7))

    def setUp(self):
        super().setUp()
        self._import(_uk_rows(range(1, 1001)))
        self.big_file = _uk_rows(self.BIG_NUMBERS, self.RENAMED)

    def _directory(self):
        self.env.invalidate_all()
        self.env.cr.execute("""
            SELECT register_number, name, street, industry_id, founded_year, active FROM crm_iap_lead_directory_company
             WHERE register_code = 'gb_companies_house' ORDER BY register_number
        """)
        return self.env.cr.fetchall()

    def _result(self, run):
        return {field: run[field] for field in (
            "state", "rows_read", "imported_count", "updated_count", "unchanged_count", "archived_count",
            "excluded_closed_count", "bad_row_count", "bad_rows", "unknown_industry_count")}

    def _one_run(self):
        """The big file imported in one go (Import Now), rolled back: its result and the directory after it."""
        with closing(self.env.cr.savepoint()):
            run = self._import(self.big_file, scope="complete")
            result = (self._result(run), self._directory())
        self.env.invalidate_all()
        return result

    def _staging_exists(self, run):
        self.env.cr.execute("SELECT to_regclass(%s)", [f"crm_iap_register_staging_{run.id}"])
        return bool(self.env.cr.fetchone()[0])

    def _cron(self):
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.env.invalidate_all()

    def test_a_budget_of_one_second_spreads_the_import_over_runs_with_the_result_of_one_run(self):
        reference = self._one_run()
        self.assertEqual(reference[0]["rows_read"], 50010)
        self.assertEqual(reference[0]["updated_count"], len(self.RENAMED))
        self.assertTrue(reference[0]["archived_count"] and reference[0]["bad_row_count"]
                        and reference[0]["excluded_closed_count"])
        cron = self.env.ref("crm_iap_mine.ir_cron_import_registers")
        run = self._queue(self.big_file, scope="complete")
        runs, positions = 0, []
        # Half of the cron workers' time limit: 1 second.
        with patch.dict(config.options, {"limit_time_real_cron": 2}), \
                patch.object(register_import_module, "READ_CHUNK_BYTES", len(self.big_file) // 10), \
                patch.object(register_import_module, "MERGE_CHUNK_ROWS", 5000):
            self.assertEqual(self.env["crm.iap.lead.register.import"]._cron_time_budget(), 1)
            while run.state in ("queued", "running") and runs < 50:
                triggers = self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)])
                started = time.monotonic()
                self._cron()
                runs += 1
                positions.append(run.loader_state and run.loader_state["position"])
                if run.state == "running":
                    self.assertLess(time.monotonic() - started, 5, "a run stops soon after its budget")
                    self.assertGreater(self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)]),
                                       triggers, "a run that stops early triggers the job again")
        self.assertGreaterEqual(runs, 3, positions)
        self.assertEqual((self._result(run), self._directory()), reference)
        self.assertFalse(self._staging_exists(run), "the staging is dropped at the end")

    def _killed_cron(self, method, at_call, n_rows=5000):
        """A cron run whose worker is killed in the `at_call`-th call of the
        loader's `method`, steps of `n_rows` rows; what the database keeps
        is what the steps before committed (the test's savepoints)."""
        original = getattr(RegisterLoader, method)
        calls = []

        def killed(loader, *args):
            calls.append(args)
            if len(calls) == at_call:
                raise _Killed()
            return original(loader, *args)

        with patch.object(register_import_module, "READ_CHUNK_BYTES", len(self.big_file) * n_rows // 50010), \
                patch.object(register_import_module, "MERGE_CHUNK_ROWS", n_rows), \
                patch.object(RegisterLoader, method, killed):
            killed = False
            try:   # not assertRaises: Odoo's rolls back what the block did
                self._cron()
            except _Killed:
                killed = True
            self.assertTrue(killed, "the worker was killed")
        self.env.invalidate_all()

    def test_a_killed_run_is_resumed_from_its_last_committed_step(self):
        reference = self._one_run()
        run = self._queue(self.big_file, scope="complete")
        self._killed_cron("stage", 3)
        self.env.invalidate_all()
        self.assertEqual(run.state, "running", "a killed worker leaves its import running")
        member, committed = run.loader_state["position"][:2]
        self.assertEqual(member, 0)
        self.assertTrue(8000 < committed < 12000, f"two steps of about 5,000 rows committed: {committed}")
        self.assertEqual(run.loader_state["counters"]["rows_read"], committed)
        self.assertTrue(self._staging_exists(run))

        read_block = RegisterCsvReader.read_block
        read = []

        def counted(reader, size):
            block = read_block(reader, size)
            read.append(block.lines if block else 0)
            return block

        with patch.object(RegisterCsvReader, "read_block", counted):
            self._cron()
        self.assertEqual(sum(read), 50010 - committed, "the rows of the committed steps are not read again")
        self.assertEqual((self._result(run), self._directory()), reference)

    def test_a_run_that_never_progresses_ends_in_error_and_tells_its_user(self):
        before = self._directory()
        run = self._queue(self.big_file, scope="complete")

        for attempt in range(1, 4):
            self._killed_cron("stage", 1)
            self.assertEqual((run.state, run.stalled_runs), ("running", attempt))
        self._cron()
        self.assertEqual(run.state, "error")
        self.assertIn("its last 3 runs in the background made no progress", run.error_message)
        self.assertFalse(self._staging_exists(run))
        self.assertEqual(self._directory(), before)
        self.assertTrue(any("failed: The import stopped" in message for message in _notifications(self.env)))

    @mute_logger("odoo.addons.crm_iap_mine.models.crm_iap_lead_register_import")
    def test_a_failing_step_is_tried_again_then_the_import_ends_in_error(self):
        run = self._queue(self.big_file, scope="complete")
        with patch.object(RegisterLoader, "merge", side_effect=RuntimeError("no space left on device")):
            self._cron()
        self.assertEqual(run.state, "error")
        self.assertIn("no progress (the server stopped them, or they failed: no space left on device)",
                      run.error_message)
        self.assertFalse(self._staging_exists(run))

    def test_cancel_works_at_any_moment_and_drops_the_staging(self):
        before = self._directory()
        run = self._queue(self.big_file, scope="complete")
        self._killed_cron("stage", 3)   # two steps read, then the worker killed
        self.assertEqual((run.state, run.phase), ("running", "read"))
        self.assertTrue(self._staging_exists(run))
        run.action_cancel()
        self.assertEqual(run.state, "cancel")
        self.assertFalse(self._staging_exists(run))
        self._cron()
        self.assertEqual(run.state, "cancel")
        self.assertEqual(self._directory(), before, "nothing was merged yet: the directory is as it was")

        # Cancelled while merging: what is merged stays, nothing is archived.
        run = self._queue(self.big_file, scope="complete")
        self._killed_cron("merge", 2)
        self.assertEqual((run.state, run.phase), ("running", "merge"))
        run.action_cancel()
        self.assertFalse(self._staging_exists(run))
        after = self._directory()
        # The first chunk: 5,000 new or changed companies (the unchanged ones
        # are known as they are read), most of them new.
        self.assertTrue(4000 < len(after) - len(before) <= 5000, "the first 5,000 companies merged stay")
        self.assertEqual([row for row in after if not row[-1]], [row for row in before if not row[-1]],
                         "nothing archived")


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterFileScope(RegisterImportCase):
    """A partial file never archives the rest of the register; a complete
    snapshot archiving more than 10 % of it waits for a confirmation."""

    def _states(self):
        return {company.register_number: company.active for company in self._register_companies()}

    def _staging_exists(self, run):
        self.env.cr.execute("SELECT to_regclass(%s)", [f"crm_iap_register_staging_{run.id}"])
        return bool(self.env.cr.fetchone()[0])

    @users("user_sales_manager")
    def test_a_partial_file_archives_only_what_it_marks_as_gone(self):
        self._import(_read(UK_JANUARY))
        # 09000005 is dissolved in this file.
        dissolved = _read(UK_FEBRUARY).replace(b'"Liquidation"', b'"Dissolved"')
        run = self.imports.create({"register_code": "gb_companies_house",
                                   "file": base64.b64encode(dissolved), "file_name": "extract.csv"})
        self.assertEqual(run.file_scope, "partial", "partial unless the user says otherwise")
        run.action_import()
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual((run.imported_count, run.updated_count, run.archived_count), (1, 1, 1))
        states = self._states()
        self.assertTrue(states["09000003"], "not in the file: left as it is")
        self.assertFalse(states["09000005"], "marked dissolved by the file: archived")

    @users("user_sales_manager")
    def test_a_company_on_its_way_out_is_kept_not_archived(self):
        self._import(_read(UK_JANUARY))
        for scope in ("partial", "complete"):
            with self.subTest(scope=scope):
                run = self._import(_read(UK_FEBRUARY), scope=scope)
                if run.state == "to_confirm":
                    run.action_confirm_archive()
                    self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
                self.assertEqual(run.state, "done", run.error_message)
                self.assertRecordValues(self._register_companies().filtered(
                    lambda company: company.register_number == "09000005"),
                    [{"active": True, "register_status": "liquidation"}])

    @users("user_sales_manager")
    def test_a_complete_snapshot_archiving_more_than_a_tenth_waits_for_a_confirmation(self):
        self._import(_read(UK_JANUARY))
        before = self._states()
        run = self._queue(_read(UK_FEBRUARY), scope="complete")
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        # 7 active: 09000004, in liquidation, is kept (never delivered).
        self.assertEqual((run.state, run.to_archive_count, run.active_before_count), ("to_confirm", 2, 7))
        self.assertEqual(self._states(), before, "nothing changed yet")
        self.assertTrue(self._staging_exists(run), "its staging is kept for the confirmation")
        self.assertIn("would archive 2 of the 7 active companies of the register, more than 10%", run.archive_warning)
        self.assertTrue(any("would archive 2 of the 7 active companies" in message
                            for message in _notifications(self.env)))
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(run.state, "to_confirm", "the job leaves it to its user")

        run.action_cancel()
        self.assertEqual(run.state, "cancel")
        self.assertFalse(self._staging_exists(run))
        self.assertEqual(self._states(), before)

    @users("user_sales_manager")
    def test_the_register_s_complete_product_is_proposed_as_complete(self):
        for register, names, scope in (
            ("gb_companies_house", ["BasicCompanyDataAsOneFile-2026-02-01.zip"], "complete"),
            ("gb_companies_house", ["BasicCompanyData-2026-02-01-part1_7.zip"], "partial"),
            ("gb_companies_house", ["london.csv"], "partial"),
            ("fr_sirene", ["StockUniteLegale_utf8.zip", "StockEtablissement_utf8.zip"], "complete"),
            ("fr_sirene", ["StockEtablissementHistorique_utf8.zip", "StockUniteLegale_utf8.zip"], "partial"),
            ("fr_sirene", ["StockEtablissement_utf8.zip", ""], "partial"),
            ("no_brreg", ["enheter_alle.json.gz"], "complete"),
            ("no_brreg", ["enheter_alle.csv.gz"], "complete"),
            ("no_brreg", ["underenheter_alle.csv.gz"], "partial"),
        ):
            with self.subTest(register=register, names=names):
                run = self.imports.new({"register_code": register, "file_name": names[0],
                                        "second_file_name": (names[1:] or [False])[0]})
                run._onchange_propose_file_scope()
                self.assertEqual(run.file_scope, scope)
        run = self.imports.new({"register_code": "gb_companies_house", "source": "server",
                                "server_path": "/srv/registers/BasicCompanyDataAsOneFile-2026-02-01.zip"})
        run._onchange_propose_file_scope()
        self.assertEqual(run.file_scope, "complete")


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterImportForm(RegisterImportCase):
    """The import form: its title, where to download each register's files, the result in sentences."""

    def test_a_new_import_has_a_title_before_its_file_and_date(self):
        self.assertEqual(self.imports.new({"register_code": "fr_sirene"}).display_name,
                         "New INSEE SIRENE (France) import")
        self.assertEqual(self.imports.new({"register_code": False}).display_name, "New Register import", "no register chosen yet")
        run = self.imports.create({"register_code": "no_brreg"})
        self.assertEqual(run.display_name, f"Brønnøysund Register Centre (Norway) import of "
                                           f"{fields.Date.to_string(run.create_date)}")

    def test_the_form_says_where_to_download_each_register_s_files_and_which(self):
        for register, files in (
            ("gb_companies_house", ["BasicCompanyDataAsOneFile-YYYY-MM-DD.zip", "partial file"]),
            ("fr_sirene", ["Two files are needed", "StockEtablissement_utf8.zip", "StockUniteLegale_utf8.zip"]),
            ("no_brreg", ["enheter_alle.json.gz", "enheter_alle.csv.gz"]),
        ):
            with self.subTest(register=register):
                url = ADAPTERS[register].download_url
                self.assertTrue(url.startswith("https://"))
                text = str(self.imports.new({"register_code": register}).register_files_help)
                self.assertIn(f'<a href="{url}" target="_blank"', text)
                for name in files:
                    self.assertIn(name, text)

    @users("user_sales_manager")
    def test_the_result_is_told_in_sentences(self):
        run = self._import(_read(UK_JANUARY))
        self.assertEqual(run.result_summary, (
            "10 rows read. 7 companies imported, 0 updated, 0 unchanged, 0 archived. As a partial file, it "
            "archived only the companies it marks as closed, excluded or deleted; those it does not mention are "
            "left as they were. 3 bad rows skipped, their companies left as they were (the first 100 are listed "
            "below). 1 company on its way out (bankrupt, winding up, in liquidation...) is imported, not "
            "deliverable: no request delivers it. 1 company has an activity code that maps to no industry: it "
            "was imported without one."
        ))
        # 09000005 dissolved: left out and archived.
        update = self._import(_read(UK_FEBRUARY).replace(b'"Liquidation"', b'"Dissolved"'))
        self.assertIn("7 rows read. 1 company imported, 1 updated, 3 unchanged, 1 archived.", update.result_summary)
        self.assertIn("1 row left out: 1 closed or dissolved.", update.result_summary)
        self.assertIn("1 bad row skipped, its company left as it was", update.result_summary)
        queued = self._queue(_read(UK_FEBRUARY))
        self.assertFalse(queued.result_summary, "told when it is done")


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterDedupeByNumber(RegisterImportCase):
    """A register company whose number a partner holds (Company ID, or Tax ID built on it) is never charged."""

    @users("user_sales_manager")
    def test_companies_known_by_their_number_are_left_out_before_charging(self):
        self._import(_read(UK_JANUARY))
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_iap_mine.register_credits_per_company.gb_companies_house", "1")
        country_gb = self.env.ref("base.uk")
        self.env["res.partner"].sudo().create([
            # Written without its leading zero, and with a space: still 09000001.
            {"name": "Nordwind", "is_company": True, "company_registry": "9000 001", "country_id": country_gb.id},
            {"name": "Highland", "is_company": True, "company_registry": "sc400002"},
            # A Company ID of another country is another register's number.
            {"name": "Cardiff?", "is_company": True, "company_registry": "09000003",
             "country_id": self.env.ref("base.no").id},
        ])
        request = self._directory_request(lead_number=3, country_ids=[(6, 0, country_gb.ids)])
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        names = request.lead_ids.mapped("partner_name")
        self.assertEqual(len(names), 3, "the number asked, of new companies")
        self.assertFalse({"NORDWIND SOFTWARE LTD", "HIGHLAND DISTILLERS LIMITED"} & set(names))
        self.assertEqual(request.excluded_count, 2)
        self.assertEqual(request.credits_charged, 3, "known companies are never charged")

    @users("user_sales_manager")
    def test_a_vat_number_built_on_the_register_number_counts(self):
        run = self.imports.create({
            "register_code": "fr_sirene", "file": base64.b64encode(_read(FR_ESTABLISHMENTS)),
            "second_file": base64.b64encode(_read(FR_UNITS)),
        })
        run.action_import()
        self.env["res.partner"].sudo().create([
            {"name": "Logiciels du Levant", "is_company": True, "vat": "FR 39 552000001"},
            # The SIRET of the headquarters holds the SIREN.
            {"name": "Boulangerie des Quais", "is_company": True, "company_registry": "552 000 002 00011",
             "country_id": self.env.ref("base.fr").id},
        ])
        request = self._directory_request(lead_number=10, country_ids=[(6, 0, self.env.ref("base.fr").ids)])
        request.action_submit()
        self.assertEqual(request.lead_ids.mapped("partner_name"), ["COMMUNAUTE DE COMMUNES DU VAL FICTIF"])
        self.assertEqual(request.excluded_count, 2)


OPTION = "crm_iap_mine_register_dir"


@tagged("post_install", "-at_install", "lead_mining")
class TestServerFiles(RegisterImportCase):
    """Issue 22, point 8: a file on the server is read by the operator's choice only."""

    def setUp(self):
        super().setUp()
        self.folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.folder)
        self.uk_file = os.path.join(self.folder, "uk.csv")
        shutil.copy(file_path(UK_JANUARY), self.uk_file)
        self.startPatcher(patch.dict(config.options, {OPTION: self.folder}))

    def _server_import(self, path, **values):
        return self.imports.create(dict({
            "register_code": "gb_companies_house", "source": "server", "server_path": path}, **values))

    @users("user_sales_manager")
    def test_a_sales_manager_gives_no_server_file_over_rpc(self):
        Imports = self.env["crm.iap.lead.register.import"]
        for values in ({"source": "server"}, {"server_path": self.uk_file}, {"second_server_path": self.uk_file}):
            with self.assertRaises(AccessError, msg=values):
                Imports.create(dict(values, register_code="gb_companies_house", state="queued"))
        run = self.imports.create({"register_code": "gb_companies_house"})
        for values in ({"source": "server"}, {"server_path": self.uk_file}):
            with self.assertRaises(AccessError, msg=values):
                run.with_user(self.env.user).write(values)
        # Nor past the access rights, by the field check alone.
        with self.assertRaises(AccessError):
            Imports._check_values({"source": "server", "server_path": self.uk_file})
        self.assertEqual(Imports._check_values({"register_code": "fr_sirene"}), {"register_code": "fr_sirene"})

    def test_state_and_user_are_the_module_s(self):
        run = self._server_import(self.uk_file, state="queued", user_id=self.user_sales_manager.id)
        self.assertRecordValues(run, [{"state": "draft", "user_id": False}])
        run.write({"state": "done", "user_id": self.user_sales_manager.id, "imported_count": 0})
        self.assertRecordValues(run, [{"state": "draft", "user_id": False}])
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(run.state, "draft", "the cron never saw it")
        run.action_queue()
        self.assertRecordValues(run, [{"state": "queued", "user_id": self.user_register_admin.id}])

    @mute_logger("odoo.addons.crm_iap_mine.models.crm_iap_lead_register_import")
    def test_the_cron_opens_server_files_of_administrators_only(self):
        run = self.env["crm.iap.lead.register.import"].create({
            "register_code": "gb_companies_house", "source": "server", "server_path": self.uk_file})
        run._update_state("queued", {"user_id": self.user_sales_manager.id})
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(run.state, "error")
        self.assertIn("Only administrators", run.error_message)
        self.assertFalse(self._register_companies())

        run = self._server_import(self.uk_file)
        run.action_queue()
        self.env["crm.iap.lead.register.import"].sudo()._cron_import_registers(autocommit=False)
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual(run.imported_count, 7)

    def test_a_file_outside_the_register_folder_is_refused(self):
        for path in (file_path(UK_JANUARY), os.path.join(self.folder, "..", os.path.basename(self.folder) + "x"),
                     "/dev/zero", "../../etc/passwd"):
            run = self._server_import(path)
            with self.assertRaisesRegex(UserError, "is not in the register folder", msg=path):
                run.action_import()
        run = self._server_import("uk.csv")   # a name in the folder
        run.action_import()
        self.assertEqual(run.state, "done", run.error_message)

    def test_a_symbolic_link_is_refused(self):
        link = os.path.join(self.folder, "link.csv")
        os.symlink(self.uk_file, link)
        with self.assertRaisesRegex(UserError, "is not a readable file"):
            self._server_import(link).action_import()
        outside = os.path.join(self.folder, "outside.csv")
        os.symlink(file_path(UK_JANUARY), outside)
        with self.assertRaisesRegex(UserError, "is not in the register folder"):
            self._server_import(outside).action_import()

    def test_a_fifo_or_a_folder_is_refused_without_waiting(self):
        fifo = os.path.join(self.folder, "fifo.csv")
        os.mkfifo(fifo)
        os.mkdir(os.path.join(self.folder, "sub"))
        for path in (fifo, os.path.join(self.folder, "sub"), os.path.join(self.folder, "missing.csv")):
            started = time.monotonic()
            with self.assertRaisesRegex(UserError, "is not a readable file", msg=path):
                self._server_import(path).action_import()
            self.assertLess(time.monotonic() - started, 5)
        with self.assertRaisesRegex(UserError, "is not a readable file"):
            self.env["crm.iap.lead.register.import"]._open_server_file(fifo)

    def test_no_register_folder_turns_server_imports_off(self):
        del config.options[OPTION]
        run = self._server_import(self.uk_file)
        with self.assertRaisesRegex(UserError, "Imports from the server are off.*crm_iap_mine_register_dir"):
            run.action_queue()
        config.options[OPTION] = ""
        with self.assertRaisesRegex(UserError, "Imports from the server are off"):
            run.action_import()
        self.assertEqual(run.state, "draft")


@tagged("post_install", "-at_install", "lead_mining")
class TestSharedDirectoryIsTheAdministrators(RegisterImportCase):
    """Issue 22, point 9: imports and shared directory companies are the administrators'."""

    @users("user_sales_manager")
    def test_a_sales_manager_sees_imports_read_only(self):
        Imports = self.env["crm.iap.lead.register.import"]
        with self.assertRaises(AccessError):
            Imports.create({"register_code": "gb_companies_house",
                            "file": base64.b64encode(_read(UK_JANUARY))})
        done = self._import(_read(UK_JANUARY))
        queued = self.imports.create({"register_code": "gb_companies_house",
                                      "file": base64.b64encode(_read(UK_JANUARY))})
        queued.action_queue()
        draft = self.imports.create({"register_code": "gb_companies_house",
                                     "file": base64.b64encode(_read(UK_JANUARY))})
        seen = Imports.browse((done | queued | draft).ids)
        self.assertEqual(seen.mapped("state"), ["done", "queued", "draft"])
        self.assertEqual(seen[0].imported_count, 7, "the results, read-only")
        for action in ("action_import", "action_queue", "action_cancel"):
            with self.assertRaises(AccessError, msg=action):
                getattr(seen[2], action)()
        with self.assertRaises(AccessError):
            seen[1].action_cancel()
        with self.assertRaises(AccessError):
            seen[2].write({"register_code": "fr_sirene"})
        self.assertEqual((queued.state, draft.state), ("queued", "draft"))

    @users("user_sales_manager")
    def test_shared_directory_companies_are_changed_by_administrators_only(self):
        Company = self.env["crm.iap.lead.directory.company"]
        self._import(_read(UK_JANUARY))
        shared = Company.search([("register_code", "=", "gb_companies_house")], limit=1)
        self.assertTrue(shared)
        self.assertFalse(shared.company_id)
        with self.assertRaises(AccessError):
            Company.create({"name": "Shared by a manager", "company_id": False, "country_id": self.country_it.id})
        with self.assertRaises(AccessError):
            shared.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            shared.action_archive()
        self.assertTrue(shared.active)
        # Their own company's: as before.
        own = Company.create({"name": "Own Co", "country_id": self.country_it.id})
        self.assertEqual(own.company_id, self.env.company, "a manager's company is their company's")
        own.write({"name": "Own Co Ltd"})
        own.action_archive()
        # The administrator changes the shared ones.
        Admin = Company.with_user(self.user_register_admin)
        Admin.browse(shared.id).write({"name": "Renamed"})
        added = Admin.create({"name": "Shared by the administrator", "country_id": self.country_it.id})
        self.assertFalse(added.company_id, "shared by default")
        Admin.browse(shared.id).action_archive()
        self.assertFalse(shared.active)
