"""Fictitious sample companies for the company directory (demo, benchmarks)."""
import itertools
import logging
import random
import time

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

COUNTRY_CODES = ["ES", "IT", "BE", "FR", "DE", "US", "MX", "AR", "CO", "CL", "BR", "PT", "NL"]
FIRST_WORDS = [
    "Nordwind", "Solé", "Bellavista", "Peñalara", "Alpenglück", "Monteverde", "Río Claro", "Lumière",
    "Brisa", "Vulcano", "Aurora", "Castellana", "Dolomiti", "Hafen", "Meridiana", "Océano", "Pampa",
    "Sierra", "Tramontana", "Zenit",
]
SECOND_WORDS = [
    "Logística", "Tecnologie", "Consulting", "Diseño", "Vini", "Soluciones", "Logistik", "Industrie",
    "Energía", "Alimentari", "Software", "Construcciones", "Textil", "Farma", "Trasporti", "Media",
]
FIRST_NAMES = ["José", "María", "Núria", "Giulia", "Niccolò", "Jürgen", "Chloé", "Íñigo", "Lucía", "Marco",
               "Sofía", "Matteo", "Élodie", "Lars", "Valentina", "Joaquín"]
LAST_NAMES = ["Núñez", "Müller", "García", "Ricci", "Peña", "Dubois", "Conti", "Ibáñez", "Schäfer",
              "Rossi", "Fernández", "Lambert", "Costa", "Moreau"]
TITLES = ["CEO", "Sales Director", "Purchasing Manager", "CFO", "Head of Marketing", "IT Manager",
          "Operations Manager", "Founder"]
TECHNOLOGIES = ["odoo", "nginx", "postgresql", "wordpress", "shopify", "google_analytics", "react", "magento"]
TIMEZONES = {"ES": "Europe/Madrid", "IT": "Europe/Rome", "BE": "Europe/Brussels", "FR": "Europe/Paris",
             "DE": "Europe/Berlin", "US": "America/New_York", "MX": "America/Mexico_City",
             "AR": "America/Argentina/Buenos_Aires", "CO": "America/Bogota", "CL": "America/Santiago",
             "BR": "America/Sao_Paulo", "PT": "Europe/Lisbon", "NL": "Europe/Amsterdam"}


class CrmIapLeadDirectorySample(models.AbstractModel):
    """Generates a deterministic, clearly fictitious company directory."""

    _name = "crm.iap.lead.directory.sample"
    _description = "Company Directory Sample Generator"

    @api.model
    def _generate(self, count, seed=1, batch_size=1000):
        """Create `count` fictitious companies (0 to 5 contacts each); the same
        seed always gives the same companies."""
        rng = random.Random(seed)
        countries = self.env["res.country"].search([("code", "in", COUNTRY_CODES)])
        states = {country.id: country.state_ids.ids for country in countries}
        # A few dozen records each.
        industries = self.env["crm.iap.lead.industry"].search([]).ids  # pylint: disable=no-search-all
        roles = self.env["crm.iap.lead.role"].search([]).ids  # pylint: disable=no-search-all
        seniorities = self.env["crm.iap.lead.seniority"].search([]).ids  # pylint: disable=no-search-all
        Company = self.env["crm.iap.lead.directory.company"]
        created = Company
        start = Company.search_count([]) + 1
        for offset in range(0, count, batch_size):
            numbers = range(start + offset, start + min(offset + batch_size, count))
            vals_list = [
                self._company_values(rng, number, countries, states, industries, roles, seniorities)
                for number in numbers
            ]
            created |= Company.create(vals_list)
            self.env.flush_all()
            self.env.invalidate_all()
        return created

    @api.model
    def _company_values(self, rng, number, countries, states, industries, roles, seniorities):
        country = countries[number % len(countries)]
        name = f"{rng.choice(FIRST_WORDS)} {rng.choice(SECOND_WORDS)} {number:05d}"
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower().encode("ascii", "ignore").decode())
        domain = f"{'-'.join(filter(None, slug.split('-')))}.example"
        # Log-uniform: many small companies, a few large ones.
        employees = int(10 ** rng.uniform(0, 4.3))
        return {
            "name": f"{name} (fictitious)",
            "legal_name": f"{name} (fictitious) Ltd.",
            "domain": domain,
            "emails": f"info@{domain}",
            "phones": f"+{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}",
            "street": f"{rng.choice(['Calle', 'Via', 'Rue', 'Straße', 'Avenue'])} {rng.choice(LAST_NAMES)} {rng.randint(1, 200)}",
            "city": f"{rng.choice(['Villa', 'San', 'Porto', 'Neu', 'Saint'])} {rng.choice(FIRST_WORDS)}",
            "zip": f"{rng.randint(10000, 99999)}",
            "country_id": country.id,
            "state_id": rng.choice(states[country.id]) if states[country.id] else False,
            "industry_id": industries[number % len(industries)] if industries else False,
            "employees": employees,
            "estimated_revenue": round(employees * rng.uniform(40000, 250000), -3),
            "technologies": ", ".join(rng.sample(TECHNOLOGIES, rng.randint(1, 4))),
            "timezone": TIMEZONES.get(country.code),
            "founded_year": rng.randint(1900, 2024),
            "description": f"{name} is a fictitious company made up for demonstrations.",
            "linkedin": f"company/{domain.split('.')[0]}",
            "contact_ids": [(0, 0, {
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "title": rng.choice(TITLES),
                "email": f"contact{index}@{domain}",
                "phone": f"+{rng.randint(10, 99)} {rng.randint(100000000, 999999999)}",
                "role_id": rng.choice(roles) if roles else False,
                "seniority_id": rng.choice(seniorities) if seniorities else False,
            }) for index in range(rng.randint(0, 5))],
        }

    @api.model
    def _load_demo(self, count=300):
        """Demo data: a small directory and credits to mine it with."""
        self._generate(count, seed=1)
        self.env["crm.iap.lead.credit.line"]._record(
            self.env.ref("base.main_company"), "directory", [(500, "topup")], reference="Demo",
        )

    # ------------------------------------------------------------------
    # Bulk loading with PostgreSQL COPY (benchmarks: a million companies)
    # ------------------------------------------------------------------

    @api.model
    def _load_copy(self, count, seed=1, contact_every=10, contacts_min=3, contacts_max=8, chunk_rows=5000):
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
        self.env.flush_all()
        cr = self.env.cr
        started = time.monotonic()
        countries = self.env["res.country"].search([("code", "in", COUNTRY_CODES)], order="id")
        country_rows = [
            (country.id, [str(state_id) for state_id in country.state_ids.ids] or ["\\N"],
             TIMEZONES.get(country.code) or "\\N")
            for country in countries
        ]
        industries = [str(i) for i in self.env["crm.iap.lead.industry"].search([], order="id").ids] or ["\\N"]  # pylint: disable=no-search-all
        roles = [str(i) for i in self.env["crm.iap.lead.role"].search([], order="id").ids] or ["\\N"]  # pylint: disable=no-search-all
        seniorities = [str(i) for i in self.env["crm.iap.lead.seniority"].search([], order="id").ids] or ["\\N"]  # pylint: disable=no-search-all
        tables = ("crm_iap_lead_directory_company", "crm_iap_lead_directory_contact")
        for table in tables:
            cr.execute(SQL("LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE", SQL.identifier(table)))  # ids are ours until commit
        cr.execute("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM crm_iap_lead_directory_company")
        first_id, existing = cr.fetchone()
        first_id += 1
        rebuilt = self._copy_drop_indexes(tables) if count > existing else []
        # Constant parts of every row; the vocabulary has no tab, newline or backslash.
        audit = f"{self.env.uid}\t{self.env.uid}\t{fields.Datetime.now()}\t{fields.Datetime.now()}"
        employees = [int(10 ** (4.3 * i / 4096)) for i in range(4096)]  # log-uniform: many small ones
        streets = [f"{kind} {name}" for kind in ["Calle", "Via", "Rue", "Straße", "Avenue"] for name in LAST_NAMES]
        cities = [f"{kind} {name}" for kind in ["Villa", "San", "Porto", "Neu", "Saint"] for name in FIRST_WORDS]
        techs = [", ".join(TECHNOLOGIES[i] for i in range(len(TECHNOLOGIES)) if mask >> i & 1)
                 for mask in range(1, 1 << len(TECHNOLOGIES)) if bin(mask).count("1") <= 4]
        salt = (seed * 0x9E3779B1) & 0xFFFFFFFF
        contacts = [0]

        def company_rows():
            for number in range(first_id, first_id + count):
                h = _mix(number ^ salt)
                name, domain = _sample_name(number)
                country_id, states, timezone = country_rows[number % len(country_rows)]
                size = employees[h & 4095]
                yield (
                    f"{number}\t{name}\t{name} Ltd.\t{domain}\tinfo@{domain}\t"
                    f"+{10 + h % 90} {100 + (h >> 7) % 900} {100000 + (h >> 3) % 900000}\t"
                    f"{streets[(h >> 12) % len(streets)]} {1 + (h >> 17) % 200}\t{cities[(h >> 9) % len(cities)]}\t"
                    f"{10000 + (h >> 5) % 90000}\t{country_id}\t{states[number % len(states)]}\t"
                    f"{industries[number % len(industries)]}\t{size}\t{size * (40 + (h >> 20) % 210)}000\t"
                    f"{techs[(h >> 14) % len(techs)]}\t{timezone}\t{1900 + (h >> 11) % 125}\t"
                    f"{name} is a fictitious company made up for benchmarks.\tcompany/{domain[:-8]}\tt\t0\t{audit}"
                )

        def contact_rows():
            span = contacts_max - contacts_min + 1
            for number in range(first_id, first_id + count):
                if number % contact_every:
                    continue
                h = _mix(number ^ salt ^ 0x5BD1E995)
                domain = _sample_name(number)[1]
                for index in range(contacts_min + h % span):
                    k = _mix(h + index)
                    contacts[0] += 1
                    yield (
                        f"{number}\t{FIRST_NAMES[k % len(FIRST_NAMES)]} {LAST_NAMES[(k >> 4) % len(LAST_NAMES)]}\t"
                        f"{TITLES[(k >> 8) % len(TITLES)]}\tcontact{index}@{domain}\t"
                        f"+{10 + (k >> 11) % 90} {100000000 + (k >> 2) % 900000000}\t"
                        f"{roles[(k >> 13) % len(roles)]}\t{seniorities[(k >> 18) % len(seniorities)]}\tf\tt\t{audit}"
                    )

        cr.copy_expert(
            """COPY crm_iap_lead_directory_company (id, name, legal_name, domain, emails, phones, street, city,
                   zip, country_id, state_id, industry_id, employees, estimated_revenue, technologies, timezone,
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
        for table in tables:
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        self.env.invalidate_all()
        _logger.info(
            "Directory: %s companies and %s contacts loaded with COPY in %.1fs "
            "(companies %.1fs, contacts %.1fs, %s indexes and foreign keys %.1fs)",
            count, contacts[0], time.monotonic() - started, copied - started, copied_contacts - copied,
            len(rebuilt), indexed - copied_contacts,
        )
        return count, contacts[0]

    @api.model
    def _copy_drop_indexes(self, tables):
        """Drop the secondary indexes and foreign keys of `tables` (checked
        row by row during COPY, in one join when added back); return the
        statements restoring them."""
        cr = self.env.cr
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


_SLUGS = {}


def _sample_name(number):
    """(company name, website domain) of the sample company `number`."""
    first = FIRST_WORDS[number % len(FIRST_WORDS)]
    second = SECOND_WORDS[(number // len(FIRST_WORDS)) % len(SECOND_WORDS)]
    slug = _SLUGS.get((first, second))
    if slug is None:
        slug = "-".join(filter(None, "".join(
            ch if ch.isalnum() else "-" for ch in f"{first} {second}".lower().encode("ascii", "ignore").decode()
        ).split("-")))
        _SLUGS[(first, second)] = slug
    return f"{first} {second} {number:07d} (fictitious)", f"{slug}-{number}.example"


class _CopyStream:
    """A read()-able file over COPY text lines, `chunk_rows` lines per read."""

    def __init__(self, lines, chunk_rows):
        self._lines = lines
        self._chunk_rows = chunk_rows

    def read(self, size=-1):  # pylint: disable=method-required-super,unused-argument  # longer chunks are fine
        chunk = list(itertools.islice(self._lines, self._chunk_rows))
        return ("\n".join(chunk) + "\n").encode() if chunk else b""
