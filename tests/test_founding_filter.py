"""Issue 25, point 5: new companies. The Generate Leads dialog filters the
company directory on founding date, in the last N days (counted from each
run) or between dates; the engine applies it in SQL to the picking and to
the count of matching companies alike."""
from datetime import date

from freezegun import freeze_time
from odoo.exceptions import ValidationError
from odoo.tests import tagged, users

from .common import RecurringCase


@tagged("post_install", "-at_install", "lead_mining")
class TestFoundingFilter(RecurringCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uk = cls.env.ref("base.uk")

    def _founded(self, prefix, industry=None, **founded):
        """Directory companies of the UK, one per founding date (or year) given."""
        industry = industry or self.software
        return self.env["crm.iap.lead.directory.company"].sudo().create([{
            "name": f"{prefix} {key}", "domain": f"{prefix.lower()}-{key}.example", "country_id": self.uk.id,
            "industry_id": industry.id, **({"founded_date": value} if isinstance(value, str)
                                            else {"founded_year": value}),
        } for key, value in founded.items()])

    def _uk_request(self, **values):
        return self._directory_request(
            country_ids=[(6, 0, self.uk.ids)], industry_ids=[(6, 0, self.software.ids)],
            filter_on_founding=True, **values)

    @users("user_sales_manager")
    def test_uk_companies_of_one_industry_founded_last_month_every_month(self):
        """The documented example: a monthly schedule, "founded in the last
        31 days", brings each month the companies founded since the last run."""
        self._founded("Old", d1="2019-05-04", d2="2026-09-30", y1=2025, y2=2026)
        self._founded("Unknown", u1=False)
        self._founded("Media", self.media, m1="2026-10-12")
        october = self._founded("October", o1="2026-10-01", o2="2026-10-15", o3="2026-10-31")
        with freeze_time("2026-11-01 07:00:00"):
            schedule = self._uk_request(is_recurring=True, recurrence_interval="monthly", lead_number=10,
                                        founding_filter_type="recent", founded_within_days=31)
            schedule.action_submit()
            first = self._run_due(schedule)
        self.assertEqual(first.state, "done", first.error_message)
        self.assertEqual(first.founding_reference_date, date(2026, 11, 1))
        self.assertEqual(sorted(first.lead_ids.mapped("name")), sorted(october.mapped("name")))
        self.assertIn("3 companies match your filters", first.result_summary)

        # A month of imports: the register's new companies arrive.
        november = self._founded("November", n1="2026-11-02", n2="2026-11-20", n3="2026-11-30", n4="2026-12-01")
        self._founded("Next", x1="2026-12-02")  # after the run's day: not founded yet then
        with freeze_time("2026-12-01 07:00:00"):
            second = self._run_due(schedule)
        self.assertEqual(second.state, "done", second.error_message)
        self.assertEqual(second.founding_reference_date, date(2026, 12, 1))
        self.assertEqual(sorted(second.lead_ids.mapped("name")), sorted(november.mapped("name")),
                         "only the companies founded since the last run")
        # 31 days back from 1 December reach 31 October: that company, delivered
        # last month, is known to the CRM and skipped, neither delivered nor charged twice.
        self.assertEqual(second.result_summary, "4 of 10 opportunities created: 5 companies match your filters, "
                         "1 already in your CRM and skipped, 4 credits charged.")
        self.assertEqual(schedule.run_count, 2)

    @users("user_sales_manager")
    def test_between_dates_with_the_count_shown(self):
        """Dates are inclusive; a company known only by its year matches when
        the whole year lies within the dates; one of unknown founding never."""
        inside = self._founded("In", a="2024-01-01", b="2024-07-14", c="2024-12-31", y=2024)
        self._founded("Out", a="2023-12-31", b="2025-01-01", y1=2023, y2=2025, u=False)
        request = self._uk_request(lead_number=20, founding_filter_type="range",
                                   founded_from="2024-01-01", founded_to="2024-12-31")
        request.action_submit()
        self.assertEqual(request.state, "done", request.error_message)
        self.assertEqual(sorted(request.lead_ids.mapped("name")), sorted(inside.mapped("name")))
        self.assertEqual(request.matching_count, 4)
        self.assertEqual(request.result_summary,
                         "4 of 20 opportunities created: 4 companies match your filters, 4 credits charged.")

        # Part of 2024 only: "founded in 2024" is not known to be within it.
        # In b and In c match again, and are skipped: the CRM knows them now.
        part = self._uk_request(lead_number=20, founding_filter_type="range",
                                founded_from="2024-03-01", founded_to="2025-06-30")
        part.action_submit()
        self.assertEqual(part.lead_ids.mapped("name"), ["Out b"])
        self.assertEqual((part.matching_count, part.excluded_count), (3, 2))

        # Open on one side: founded up to a date.
        before = self._uk_request(lead_number=20, founding_filter_type="range", founded_to="2023-12-31")
        before.action_submit()
        self.assertEqual(sorted(before.lead_ids.mapped("name")), ["Out a", "Out y1"])

    @users("user_sales_manager")
    def test_invalid_filters_are_refused_with_a_clear_error(self):
        with self.assertRaisesRegex(ValidationError, r"the first date \(2024-05-01\) must not be after the last one"):
            self._uk_request(founding_filter_type="range", founded_from="2024-05-01", founded_to="2024-04-30")
        with self.assertRaisesRegex(ValidationError, "enter the first date, the last date, or both"):
            self._uk_request(founding_filter_type="range")
        with self.assertRaisesRegex(ValidationError, r"at least 1 \(you typed 0\)"):
            self._uk_request(founding_filter_type="recent", founded_within_days=0)
        request = self._uk_request(founding_filter_type="recent", founded_within_days=7)
        with self.assertRaisesRegex(ValidationError, r"you typed -3"):
            request.founded_within_days = -3

    @users("user_sales_manager")
    def test_ignored_by_odoo_iap(self):
        """Odoo's service cannot filter on founding: hidden and ignored there,
        never refused (a value left from the directory is not in the way)."""
        request = self._new_request(filter_on_founding=True, founding_filter_type="recent", founded_within_days=0)
        self.assertIsNone(request._founded_range())
        payload = self.env["crm.iap.lead.provider.iap"]._prepare_iap_payload(request)
        self.assertFalse([key for key in payload if "found" in key])
        with self.assertRaises(ValidationError):
            request.provider = "directory"
