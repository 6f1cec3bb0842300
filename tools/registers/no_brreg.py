"""Norway, Brønnøysund Register Centre: Enhetsregisteret, all main units.

The CSV download of data.brreg.no (``/enhetsregisteret/api/enheter/lastned/csv``,
gzipped, nightly), columns named like the JSON's fields, flattened with dots.
Its industry codes are SN2007 (NACE Rev. 2) in older files and SN2025 (NACE
Rev. 2.1) since 2026: both keep the NACE division numbers the mapping uses.
"""
import re

from .base import MAX_INTEGER, BadRow, Excluded, RegisterAdapter, RegisterCompany

# Sole proprietorships are natural persons (GDPR): never imported.
NATURAL_PERSON_FORMS = {"ENK"}
# On their way out: (flag, its status, the columns of its date, first given).
WAY_OUT_FLAGS = (
    ("konkurs", "bankrupt", ("konkursdato",)),
    ("underAvvikling", "winding_up", ("underAvviklingDato",)),
    ("underTvangsavviklingEllerTvangsopplosning", "winding_up", (
        "tvangsavvikletPgaManglendeSlettingDato", "tvangsopplostPgaManglendeDagligLederDato",
        "tvangsopplostPgaManglendeRevisorDato", "tvangsopplostPgaManglendeRegnskapDato",
        "tvangsopplostPgaMangelfulltStyreDato")),
)
_NUMBER_RE = re.compile(r"^\d{9}$")
_COUNT_RE = re.compile(r"^[0-9]+$")
_DATE_RE = re.compile(r"^(\d{4})-\d{2}-\d{2}$")


class BrregAdapter(RegisterAdapter):
    code = "no_brreg"
    label = "Brønnøysund Register Centre (Norway)"
    country_code = "NO"
    classification = "nace2"
    # The organisation number, or the VAT number "NO" + it + "MVA".
    registry_number_sql = r"""substring(regexp_replace(p.company_registry, '[\s.-]', '', 'g') from '^(\d{9})$')"""
    vat_number_sql = r"""substring(upper(regexp_replace(p.vat, '[\s.-]', '', 'g')) from '^NO(\d{9})MVA$')"""
    download_url = "https://data.brreg.no/enhetsregisteret/api/dokumentasjon/no/index.html#tag/Enheter/operation/hentEnheterLastNed"
    number_column = "organisasjonsnummer"
    complete_file_names = r"^enheter_alle\b"   # the JSON or the CSV download of all main units
    required_columns = (
        "organisasjonsnummer", "navn", "organisasjonsform.kode", "forretningsadresse.adresse",
        "forretningsadresse.postnummer", "forretningsadresse.poststed", "naeringskode1.kode",
    )

    def parse_row(self, row):
        number = row["organisasjonsnummer"].strip()
        if not number:
            raise BadRow("missing_number")
        if not _NUMBER_RE.match(number):
            raise BadRow("bad_number", number)
        name = row["navn"].strip()
        if not name:
            raise BadRow("missing_name", register_number=number)
        employees = row.get("antallAnsatte", "").strip()
        if employees and not _COUNT_RE.match(employees):
            raise BadRow("bad_employees", employees, register_number=number)
        if employees and int(employees) > MAX_INTEGER:
            raise BadRow("too_big", employees, register_number=number)
        if row["organisasjonsform.kode"].strip().upper() in NATURAL_PERSON_FORMS:
            raise Excluded("natural_person")
        if row.get("slettedato", "").strip():
            raise Excluded("closed")
        status, status_date = next((
            (status, next((row[column].strip() for column in dates if _DATE_RE.match(row.get(column, "").strip())),
                          None))
            for flag, status, dates in WAY_OUT_FLAGS if row.get(flag, "").strip().lower() in ("true", "j")
        ), (None, None))
        founded = _DATE_RE.match(row.get("stiftelsesdato", "").strip())
        industry = re.sub(r"\D", "", row["naeringskode1.kode"])
        return RegisterCompany(
            register_number=number,
            name=name,
            street=row["forretningsadresse.adresse"].strip() or None,
            city=row["forretningsadresse.poststed"].strip() or None,
            zip=row["forretningsadresse.postnummer"].strip() or None,
            state_name=None,   # Odoo has no Norwegian counties
            country_code=row.get("forretningsadresse.landkode", "").strip().upper() or self.country_code,
            industry_code=industry or None,
            employees=int(employees) if employees else None,
            domain=row.get("hjemmeside", "").strip() or None,
            founded_year=int(founded.group(1)) if founded else None,
            register_status=status,
            register_status_date=status_date,
        )
