"""A fictitious company directory of any size, loaded with PostgreSQL COPY.

Not a test module (Odoo runs only the ``test_*`` ones): the tests that need
a large directory import it; scripts/bench.py, run in ``odoo shell``, loads
it by path (the tests package is not imported there). The vocabulary is the
demo data's (models/crm_iap_lead_directory_sample.py).
"""
import itertools
import logging
import time

from odoo import fields
from odoo.tools import SQL

from ..models.crm_iap_lead_directory_sample import (
    COUNTRY_CODES,
    EXECUTIVE_ROLES,
    TECHNOLOGIES,
    TIMEZONES,
    sample_company,
    sample_contact,
)

_logger = logging.getLogger(__name__)
TABLES = ("crm_iap_lead_directory_company", "crm_iap_lead_directory_contact")


def load_copy(env, count, seed=1, contact_every=10, contacts_min=3, contacts_max=8, chunk_rows=5000):
    """Add `count` fictitious companies with COPY (about 30 s per million).

    One company in `contact_every` gets `contacts_min` to `contacts_max`
    contacts. Every value follows from the company number and `seed`
    (same arguments, same directory); rows are generated while
    PostgreSQL reads them, `chunk_rows` at a time, so memory stays flat
    whatever `count`. When the load is larger than the table, secondary
    indexes and foreign keys are dropped first and restored (checked)
    once at the end. Bypasses the ORM (no constraint in Python, no
    cache): the caller commits.

    :return: (companies added, contacts added)
    """
    env.flush_all()
    cr = env.cr
    started = time.monotonic()
    countries = env["res.country"].search([("code", "in", COUNTRY_CODES)], order="id")
    country_rows = [
        (country.id, [str(state_id) for state_id in country.state_ids.ids] or ["\\N"],
         TIMEZONES.get(country.code) or "\\N", country.code)
        for country in countries
    ]
    industries = [str(i) for i in env["crm.iap.lead.industry"].search([], order="id").ids] or ["\\N"]  # pylint: disable=no-search-all
    roles = [(str(r.id), r.reveal_id) for r in env["crm.iap.lead.role"].search([], order="id")] or [("\\N", None)]  # pylint: disable=no-search-all
    seniorities = [(str(s.id), s.reveal_id)
                   for s in env["crm.iap.lead.seniority"].search([], order="id")] or [("\\N", None)]  # pylint: disable=no-search-all
    executive = next((row for row in seniorities if row[1] == "executive"), None)
    for table in TABLES:
        cr.execute(SQL("LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE", SQL.identifier(table)))  # ids are ours until commit
    cr.execute("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM crm_iap_lead_directory_company")
    first_id, existing = cr.fetchone()
    first_id += 1
    rebuilt = drop_indexes(cr, TABLES) if count > existing else []
    # Constant parts of every row; the vocabulary has no tab, newline or backslash.
    audit = f"{env.uid}\t{env.uid}\t{fields.Datetime.now()}\t{fields.Datetime.now()}"
    employees = [int(10 ** (4.3 * i / 4096)) for i in range(4096)]  # log-uniform: many small ones
    techs = [", ".join(TECHNOLOGIES[i] for i in range(len(TECHNOLOGIES)) if mask >> i & 1)
             for mask in range(1, 1 << len(TECHNOLOGIES)) if bin(mask).count("1") <= 4]
    salt = (seed * 0x9E3779B1) & 0xFFFFFFFF
    currency = env.company.currency_id.id   # the revenues' (the revenue filter converts into it)
    contacts = [0]

    def company_rows():
        for number in range(first_id, first_id + count):
            h = _mix(number ^ salt)
            country_id, states, timezone, code = country_rows[number % len(country_rows)]
            company = sample_company(code, number, _hashed_choice(h))
            name, domain = company["name"], company["domain"]
            size = employees[h & 4095]
            yield (
                f"{number}\t{name}\t{company['legal_name']}\t{domain}\tinfo@{domain}\t{company['phone']}\t"
                f"{company['street']}\t{company['city']}\t"
                f"{10000 + (h >> 5) % 90000}\t{country_id}\t{states[number % len(states)]}\t"
                f"{industries[number % len(industries)]}\t{size}\t{size * (40 + (h >> 20) % 210)}000\t{currency}\t"
                f"{techs[(h >> 14) % len(techs)]}\t{timezone}\t{1900 + (h >> 11) % 125}\t"
                f"{name} is a fictitious company made up for benchmarks.\tcompany/{domain[:-8]}\tt\t0\t{audit}"
            )

    def contact_rows():
        span = contacts_max - contacts_min + 1
        for number in range(first_id, first_id + count):
            if number % contact_every:
                continue
            h = _mix(number ^ salt ^ 0x5BD1E995)
            code = country_rows[number % len(country_rows)][3]
            domain = sample_company(code, number, _hashed_choice(_mix(number ^ salt)))["domain"]
            for index in range(contacts_min + h % span):
                k = _mix(h + index)
                role_id, role_code = roles[(k >> 13) % len(roles)]
                seniority_id, seniority_code = seniorities[(k >> 18) % len(seniorities)]
                if role_code in EXECUTIVE_ROLES and executive:  # a CEO is no manager
                    seniority_id, seniority_code = executive
                contact = sample_contact(code, _hashed_choice(k), role_code, seniority_code)
                contacts[0] += 1
                yield (
                    f"{number}\t{contact['name']}\t{contact['title']}\tcontact{index}@{domain}\t"
                    f"{contact['phone']}\t{role_id}\t{seniority_id}\tf\tt\t{audit}"
                )

    cr.copy_expert(
        """COPY crm_iap_lead_directory_company (id, name, legal_name, domain, emails, phones, street, city,
               zip, country_id, state_id, industry_id, employees, estimated_revenue, revenue_currency_id,
               technologies, timezone,
               founded_year, description, linkedin, active, delivery_count, create_uid, write_uid,
               create_date, write_date)
           FROM STDIN""",
        _CopyStream(company_rows(), chunk_rows), size=1 << 16,
    )
    copied = time.monotonic()
    cr.copy_expert(
        """COPY crm_iap_lead_directory_contact (directory_company_id, name, title, email, phone, role_id,
               seniority_id, do_not_contact, active, create_uid, write_uid, create_date, write_date)
           FROM STDIN""",
        _CopyStream(contact_rows(), chunk_rows), size=1 << 16,
    )
    copied_contacts = time.monotonic()
    cr.execute("SELECT setval(pg_get_serial_sequence('crm_iap_lead_directory_company', 'id'), %s)",
               (first_id + count - 1,))
    if rebuilt:
        cr.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the trigram index of names
    for statement in rebuilt:
        cr.execute(statement)  # pylint: disable=sql-injection  # from pg_get_indexdef / pg_get_constraintdef
    indexed = time.monotonic()
    for table in TABLES:
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    env.invalidate_all()
    _logger.info(
        "Directory: %s companies and %s contacts loaded with COPY in %.1fs "
        "(companies %.1fs, contacts %.1fs, %s indexes and foreign keys %.1fs)",
        count, contacts[0], time.monotonic() - started, copied - started, copied_contacts - copied,
        len(rebuilt), indexed - copied_contacts,
    )
    return count, contacts[0]


def drop_indexes(cr, tables):
    """Drop the secondary indexes and foreign keys of `tables` (checked row
    by row during COPY, in one join when added back); return the statements
    restoring them."""
    cr.execute("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'
    """, (list(tables),))
    foreign_keys = cr.fetchall()
    for table, name, _definition in foreign_keys:
        cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
    cr.execute("""
        SELECT (SELECT relname FROM pg_class WHERE oid = i.indexrelid), pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    """, (list(tables),))
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign_keys
    ]


def _mix(value):
    """A cheap 32-bit integer hash (murmur3 finaliser): varied values without random."""
    value &= 0xFFFFFFFF
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & 0xFFFFFFFF
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & 0xFFFFFFFF
    return value ^ (value >> 16)


def _hashed_choice(seed):
    """A `choice(sequence)` drawing from a chain of hashes of `seed`: the same
    seed, the same picks, at a fraction of the cost of random.Random."""
    state = [seed]

    def choice(sequence):
        state[0] = _mix(state[0] + 0x9E3779B9)
        return sequence[state[0] % len(sequence)]
    return choice


class _CopyStream:
    """A read()-able file over COPY text lines, `chunk_rows` lines per read."""

    def __init__(self, lines, chunk_rows):
        self._lines = lines
        self._chunk_rows = chunk_rows

    def read(self, size=-1):  # pylint: disable=method-required-super,unused-argument  # longer chunks are fine
        chunk = list(itertools.islice(self._lines, self._chunk_rows))
        return ("\n".join(chunk) + "\n").encode() if chunk else b""
