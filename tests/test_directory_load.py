from odoo.tests import TransactionCase, tagged

from ..models.crm_iap_lead_dedupe import DEDUPE_INDEXES
from .directory_sample import load_copy


@tagged("post_install", "-at_install", "lead_mining")
class TestDirectoryCopyLoader(TransactionCase):
    """The COPY loader of `make bench` and the indexes of the picking query."""

    def _catalog(self):
        self.env.cr.execute("""
            SELECT pg_get_indexdef(indexrelid) FROM pg_index
             WHERE indrelid IN ('crm_iap_lead_directory_company'::regclass, 'crm_iap_lead_directory_contact'::regclass)
            UNION ALL
            SELECT pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid IN ('crm_iap_lead_directory_company'::regclass, 'crm_iap_lead_directory_contact'::regclass)
        """)
        return sorted(row[0] for row in self.env.cr.fetchall())

    def test_copy_loader_adds_valid_companies_and_restores_indexes(self):
        Company = self.env["crm.iap.lead.directory.company"].with_context(active_test=False)
        existing = Company.search_count([])
        before = self._catalog()
        count = existing + 20  # more than the table: indexes and foreign keys dropped and restored
        added, contacts = load_copy(self.env, count, seed=3, contact_every=4)
        self.assertEqual(added, count)
        self.assertEqual(self._catalog(), before, "every index and foreign key is back")
        loaded = Company.search([], order="id desc", limit=count)
        self.assertEqual(len(loaded), count)
        self.assertEqual(sum(len(company.contact_ids) for company in loaded), contacts)
        self.assertTrue(all(company.domain.endswith(".example") and company.country_id for company in loaded))
        self.assertTrue(all(3 <= len(c.contact_ids) <= 8 for c in loaded if not c.id % 4))
        self.assertEqual(len(set(loaded.mapped("domain"))), count)
        # The ORM keeps working after it: the id sequence moved past the loaded rows.
        company = Company.create({"name": "After COPY", "country_id": self.env.ref("base.es").id})
        self.assertGreater(company.id, max(loaded.ids))

    def test_dedupe_indexes_exist(self):
        self.env.cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)",
                            ([name for name, *_rest in DEDUPE_INDEXES],))
        self.assertEqual(len(self.env.cr.fetchall()), len(DEDUPE_INDEXES))
