import base64
import csv
import io
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.crm_iap_lead_register_import import WATCH_ACTIVITY_PARAM
from .common import FR_ESTABLISHMENTS, FR_UNITS, SAMPLES, UK_JANUARY, RegisterImportCase, _read, _sample, _zipped

JANUARY = "BasicCompanyDataAsOneFile-2026-01-01.csv"
FEBRUARY = "BasicCompanyDataAsOneFile-2026-02-01.csv"


def _uk_file(changes=None):
    """January's sample, each row updated with `changes[number]` ({column: value})."""
    return _changed(UK_JANUARY, " CompanyNumber", changes)


def _changed(path, number_column, changes=None):
    """A sample file, each row updated with `changes[number]` ({column: value})."""
    header, rows = _sample(path)
    stream = io.StringIO()
    writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        row.update((changes or {}).get(row[number_column], {}))
        writer.writerow([row[column] for column in header])
    return stream.getvalue().encode()


# February: one company enters liquidation, one is renamed, one moves, one
# is dissolved (marked so, left out of the register).
FEBRUARY_CHANGES = {
    "09000001": {"CompanyStatus": "Liquidation"},
    "SC400002": {"CompanyName": "HIGHLAND SPIRITS LIMITED"},
    "09000005": {"RegAddress.PostCode": "M1 1AE", "RegAddress.PostTown": "MANCHESTER"},
    "09000003": {"CompanyStatus": "Dissolved"},
}


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterWatch(RegisterImportCase):
    """Register events and the watch of the CRM records linked to them."""

    def _import_named(self, content, file_name, **values):
        run = self.imports.create(dict({
            "register_code": "gb_companies_house", "file": base64.b64encode(content),
            "file_name": file_name, "file_scope": "partial"}, **values))
        run.action_import()
        return run

    def _events(self, run):
        return {(event.company_id.register_number, event.kind, event.old_value or False, event.new_value or False)
                for event in run.event_ids}

    def _company(self, number):
        return self._by_number("gb_companies_house")[number]

    def test_first_import_records_no_event_and_raises_no_alert(self):
        run = self._import_named(_uk_file(), JANUARY)
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual(run.file_date, fields.Date.to_date("2026-01-01"), "read from the file name")
        self.assertTrue(run.events_recorded)
        self.assertFalse(run.event_ids, "a register's first import records no event")
        self.assertEqual(run.alert_count, 0)

    def test_monthly_update_alerts_the_linked_records(self):
        january = self._import_named(_uk_file(), JANUARY)
        self.assertEqual(january.state, "done", january.error_message)
        nordwind, highland = self._company("09000001"), self._company("SC400002")
        cardiff, dormant = self._company("09000003"), self._company("09000005")
        salesman, manager = self.user_sales_salesman, self.user_sales_manager
        Lead = self.env["crm.lead"]
        # Mined leads carry their directory company.
        opportunity = Lead.create({"name": "Nordwind deal", "type": "opportunity", "user_id": salesman.id,
                                   "reveal_id": f"directory-{nordwind.id}"})
        renamed_lead = Lead.create({"name": "Highland", "type": "lead", "user_id": salesman.id,
                                    "reveal_id": f"directory-{highland.id}"})
        moved_lead = Lead.create({"name": "Dormant", "type": "lead", "user_id": salesman.id,
                                  "reveal_id": f"directory-{dormant.id}"})
        lost = Lead.create({"name": "Lost one", "type": "opportunity", "reveal_id": f"directory-{nordwind.id}"})
        lost.action_set_lost()
        # A customer known by its Company ID (written without its leading 0).
        customer = self.env["res.partner"].create({
            "name": "Cardiff Bay Consulting", "is_company": True, "company_registry": "9000003",
            "country_id": self.env.ref("base.uk").id, "user_id": manager.id})
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        Lead.create({"name": "Cardiff won", "type": "opportunity", "partner_id": customer.id,
                     "stage_id": won_stage.id})
        # A partner with the number of a company but no won deal: not watched.
        prospect = self.env["res.partner"].create({
            "name": "Nordwind prospect", "is_company": True, "company_registry": "09000001"})

        february = self._import_named(_uk_file(FEBRUARY_CHANGES), FEBRUARY)
        self.assertEqual(february.state, "done", february.error_message)
        self.assertEqual(self._events(february), {
            ("09000001", "status", False, "liquidation"),
            ("SC400002", "name", "HIGHLAND DISTILLERS LIMITED", "HIGHLAND SPIRITS LIMITED"),
            ("09000005", "address", "1 Example Street, EC1A 1BB, LONDON", "1 Example Street, M1 1AE, MANCHESTER"),
            ("09000003", "gone", "CARDIFF BAY CONSULTING LTD", False),
        })
        self.assertEqual(set(february.event_ids.mapped("event_date")), {fields.Date.to_date("2026-02-01")})
        self.assertEqual(february.alert_count, 4, "the opportunity, both leads and the customer")
        self.assertIn("4 alerts raised", february.result_summary)

        activities = self.env["mail.activity"].search([("summary", "like", "file of 2026-02-01")])
        # Status changes and disappearance by default; names and addresses: a note only.
        self.assertEqual({(activity.res_model, activity.res_id, activity.user_id) for activity in activities}, {
            ("crm.lead", opportunity.id, salesman), ("res.partner", customer.id, manager)})
        self.assertEqual(
            activities.filtered(lambda activity: activity.res_model == "crm.lead").summary,
            "NORDWIND SOFTWARE LTD entered the status In Liquidation: Companies House (United Kingdom), "
            "file of 2026-02-01")
        for record, text in ((opportunity, "entered the status In Liquidation"),
                             (renamed_lead, "HIGHLAND DISTILLERS LIMITED is now named HIGHLAND SPIRITS LIMITED"),
                             (moved_lead, "moved to 1 Example Street, M1 1AE, MANCHESTER"),
                             (customer, "CARDIFF BAY CONSULTING LTD left the register")):
            self.assertIn(text, record.message_ids[0].body, record.display_name)
        for record in (lost, prospect):
            self.assertNotIn("file of 2026-02-01", " ".join(record.message_ids.mapped("body")))
        self.assertFalse(cardiff.active)

        # The setting: address changes give an activity too.
        self.env["ir.config_parameter"].sudo().set_param(WATCH_ACTIVITY_PARAM, "status,gone,address")
        march = self._import_named(_uk_file(dict(FEBRUARY_CHANGES, **{"09000005": {
            "RegAddress.PostCode": "M2 2BB", "RegAddress.PostTown": "MANCHESTER"}})),
            "BasicCompanyDataAsOneFile-2026-03-01.csv")
        self.assertEqual(self._events(march), {
            ("09000005", "address", "1 Example Street, M1 1AE, MANCHESTER", "1 Example Street, M2 2BB, MANCHESTER")})
        self.assertEqual(march.alert_count, 1)
        self.assertTrue(self.env["mail.activity"].search([
            ("res_model", "=", "crm.lead"), ("res_id", "=", moved_lead.id), ("summary", "like", "2026-03-01")]))

    def test_a_company_back_in_the_register_is_told_to_its_watchers(self):
        """Dissolved in February (archived), restored in March: March's
        import makes it active again, records its return and tells the lead
        that was told it had gone (a note; no activity by default)."""
        self.assertEqual(self._import_named(_uk_file(), JANUARY).state, "done")
        lead = self.env["crm.lead"].create({"name": "Cardiff Bay", "user_id": self.user_sales_salesman.id,
                                            "reveal_id": f"directory-{self._company('09000003').id}"})
        february = self._import_named(_uk_file({"09000003": {"CompanyStatus": "Dissolved"}}), FEBRUARY)
        self.assertEqual(self._events(february), {("09000003", "gone", "CARDIFF BAY CONSULTING LTD", False)})
        self.assertEqual(february.alert_count, 1)
        march = self._import_named(_uk_file(), "BasicCompanyDataAsOneFile-2026-03-01.csv")
        self.assertEqual(march.state, "done", march.error_message)
        self.assertEqual(self._events(march), {("09000003", "back", False, "CARDIFF BAY CONSULTING LTD")})
        self.assertTrue(self._company("09000003").active)
        self.assertEqual(march.alert_count, 1)
        self.assertIn("CARDIFF BAY CONSULTING LTD is back in the register: Companies House (United Kingdom), "
                      "file of 2026-03-01", lead.message_ids.mapped("body")[0])
        activities = self.env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        self.assertEqual(len(activities), 1, "the disappearance only")

    def test_records_linked_by_the_matching_are_watched_once(self):
        """A lead the matching linked to its company (no `reveal_id`) is
        alerted; one found by two sources, once."""
        self._import_named(_uk_file(), JANUARY)
        highland = self._company("SC400002")
        Lead = self.env["crm.lead"]
        linked = Lead.create({"name": "Highland, typed by hand", "type": "lead"})
        mined = Lead.create({"name": "Highland, mined", "type": "lead", "reveal_id": f"directory-{highland.id}"})
        Link = self.env["crm.iap.lead.directory.link"].sudo()
        for lead in linked + mined:
            Link.create({"lead_id": lead.id, "directory_company_id": highland.id, "evidence": "register_number",
                         "evidence_value": "SC400002", "state": "linked"})
        february = self._import_named(_uk_file(FEBRUARY_CHANGES), FEBRUARY)
        self.assertEqual(february.state, "done", february.error_message)
        for lead in linked + mined:
            notes = [body for body in lead.message_ids.mapped("body") if "is now named HIGHLAND SPIRITS" in body]
            self.assertEqual(len(notes), 1, lead.name)
        self.assertEqual(february.alert_count, 2)

    def test_watch_goes_by_chunks(self):
        """An import's alerts are raised over several committed steps."""
        self._import_named(_uk_file(), JANUARY)
        Lead = self.env["crm.lead"]
        for number in ("09000001", "SC400002", "09000005"):
            Lead.create({"name": number, "user_id": self.user_sales_salesman.id,
                         "reveal_id": f"directory-{self._company(number).id}"})
        from ..models import crm_iap_lead_register_import as module   # pylint: disable=import-outside-toplevel
        chunk, module.WATCH_CHUNK_EVENTS = module.WATCH_CHUNK_EVENTS, 1
        try:
            run = self._import_named(_uk_file(FEBRUARY_CHANGES), FEBRUARY)
        finally:
            module.WATCH_CHUNK_EVENTS = chunk
        self.assertEqual(run.state, "done", run.error_message)
        self.assertEqual(run.alert_count, 3)
        self.assertEqual(run.watched_up_to, max(run.event_ids.ids))

    def test_an_older_file_is_refused_unless_forced(self):
        self._import_named(_uk_file(), JANUARY)
        self._import_named(_uk_file(FEBRUARY_CHANGES), FEBRUARY)
        older = _uk_file(dict(FEBRUARY_CHANGES, **{"SC400002": {"CompanyName": "HIGHLAND OLD NAME LIMITED"}}))
        with self.assertRaisesRegex(UserError, "older than the last file of the register"):
            self._import_named(older, "BasicCompanyDataAsOneFile-2026-01-15.csv")
        self.assertEqual(self._company("SC400002").name, "HIGHLAND SPIRITS LIMITED", "nothing imported")
        forced = self._import_named(older, "BasicCompanyDataAsOneFile-2026-01-15.csv", force_older=True)
        self.assertEqual(forced.state, "done", forced.error_message)
        self.assertEqual(self._company("SC400002").name, "HIGHLAND OLD NAME LIMITED")
        self.assertFalse(forced.events_recorded)
        self.assertFalse(forced.event_ids, "out of date order: no events")
        self.assertIn("out of date order", forced.result_summary)
        # A file without a date in its name is of the day it is imported.
        today = self._import_named(_uk_file(), "upload.csv")
        self.assertEqual(today.file_date, fields.Date.context_today(today))
        self.assertTrue(today.event_ids)

    def test_events_are_kept_for_the_configured_time(self):
        self._import_named(_uk_file(), JANUARY)
        run = self._import_named(_uk_file(FEBRUARY_CHANGES), FEBRUARY)
        events = run.event_ids
        self.assertEqual(len(events), 4)
        old, recent = events[:1], events[1:]
        self.env.cr.execute("UPDATE crm_iap_lead_directory_event SET create_date = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(days=40), old.id])
        Event = self.env["crm.iap.lead.directory.event"]
        Event._gc_old_events()
        self.assertTrue(old.exists(), "kept 365 days by default")
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.event_retention_days", "30")
        Event._gc_old_events()
        self.assertFalse(old.exists())
        self.assertEqual(recent.exists(), recent)

    def test_sales_managers_read_events_salesmen_do_not(self):
        self._import_named(_uk_file(), JANUARY)
        run = self._import_named(_uk_file(FEBRUARY_CHANGES), FEBRUARY)
        Event = self.env["crm.iap.lead.directory.event"]
        self.assertEqual(Event.with_user(self.user_sales_manager).search([("import_id", "=", run.id)]),
                         run.event_ids)
        self.assertFalse(Event.with_user(self.user_sales_manager).check_access_rights("write", False))
        self.assertFalse(Event.with_user(self.user_sales_salesman).check_access_rights("read", False))

    def test_settings_choose_which_events_give_an_activity(self):
        Settings = self.env["res.config.settings"]
        settings = Settings.create({})
        kinds = ("status", "gone", "back", "address", "name")
        self.assertEqual([settings[f"register_watch_{kind}"] for kind in kinds],
                         [True, True, False, False, False], "status changes and disappearance by default")
        self.assertEqual(settings.register_event_retention_days, 365)
        settings.write({"register_watch_gone": False, "register_watch_back": True, "register_watch_name": True})
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param(WATCH_ACTIVITY_PARAM), "status,back,name")
        settings = Settings.create({})
        self.assertEqual([settings[f"register_watch_{kind}"] for kind in kinds], [True, False, True, False, True])


@tagged("post_install", "-at_install", "lead_mining")
class TestRegisterFoundingDates(RegisterImportCase):
    """Each register's date of incorporation becomes the directory company's founding date."""

    def _founded(self, register):
        return {number: str(company.founded_date or "") for number, company in self._by_number(register).items()}

    def test_companies_house_incorporation_date(self):
        run = self._import(_read(UK_JANUARY))
        self.assertEqual(run.state, "done", run.error_message)
        founded = self._founded("gb_companies_house")
        self.assertEqual((founded["09000001"], founded["SC400002"], founded["09000006"]),
                         ("2015-03-14", "1998-07-01", ""), "dd/mm/yyyy read; none given, none kept")

    def test_sirene_creation_date_of_the_legal_unit(self):
        run = self.imports.create({
            "register_code": "fr_sirene", "file": base64.b64encode(_read(FR_ESTABLISHMENTS)),
            "second_file": base64.b64encode(_zipped(_read(FR_UNITS), "StockUniteLegale_utf8.csv")),
        })
        run.action_import()
        self.assertEqual(run.state, "done", run.error_message)
        founded = self._founded("fr_sirene")
        self.assertEqual((founded["552000001"], founded["552000002"]), ("2011-03-15", "1998-06-02"))

    def test_brreg_foundation_date_else_registration_date(self):
        content = _changed(SAMPLES + "no_brreg_enheter.csv", "organisasjonsnummer", {
            "910000001": {"stiftelsesdato": "1987-02-01", "registreringsdatoEnhetsregisteret": "1995-02-20"},
            "910000002": {"stiftelsesdato": "", "registreringsdatoEnhetsregisteret": "2001-10-11"},
        })
        run = self._import(content, "no_brreg", "enheter_alle.csv")
        self.assertEqual(run.state, "done", run.error_message)
        founded = self._founded("no_brreg")
        self.assertEqual((founded["910000001"], founded["910000002"]), ("1987-02-01", "2001-10-11"))
