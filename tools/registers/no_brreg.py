"""Norway, Brønnøysund Register Centre: Enhetsregisteret, all main units.

The CSV download of data.brreg.no (``/enhetsregisteret/api/enheter/lastned/csv``,
gzipped, nightly), columns named like the JSON's fields, flattened with dots.
Its industry codes are SN2007 (NACE Rev. 2) in older files and SN2025 (NACE
Rev. 2.1) since 2026: both keep the NACE division numbers the mapping uses.
"""
from ..domains import normalized_domain_sql
from .base import DIGITS, MAX_INTEGER, RegisterAdapter, RowSql, count_value, digits_only, iso_date, only_chars, trimmed

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

    def company_sql(self, col):
        number, name = "t.number", "t.name"
        employees = "t.employees"
        terms = {"number": f"btrim({col('organisasjonsnummer')})", "name": f"btrim({col('navn')})",
                 "employees": f"btrim({col('antallAnsatte')})"}
        number_ok = only_chars(number, DIGITS, 9)
        founded = iso_date(col("stiftelsesdato"))
        flags = [(f"lower(btrim({col(flag)})) IN ('true', 'j')", status,
                  f"COALESCE({', '.join(iso_date(col(column)) for column in dates)})")
                 for flag, status, dates in WAY_OUT_FLAGS]
        return RowSql(
            number=f"CASE WHEN {number_ok} THEN {number} END",
            checks=[
                (f"{number} = ''", "missing_number", "''"),
                (f"NOT {number_ok}", "bad_number", number),
                (f"{name} = ''", "missing_name", "''"),
                (f"{employees} <> '' AND NOT {only_chars(employees, DIGITS)}", "bad_employees", employees),
                (f"CASE WHEN {employees} <> '' THEN length(ltrim({employees}, '0')) > 10 "
                 f"OR {employees}::numeric > {MAX_INTEGER} END", "too_big", employees),
            ],
            exclusions=[
                (f"upper(btrim({col('organisasjonsform.kode')})) IN "
                 f"({', '.join(repr(form) for form in sorted(NATURAL_PERSON_FORMS))})", "natural_person"),
                (f"btrim({col('slettedato')}) <> ''", "closed"),
            ],
            values={
                "register_number": number,
                "name": name,
                "street": trimmed(col("forretningsadresse.adresse")),
                "city": trimmed(col("forretningsadresse.poststed")),
                "zip": trimmed(col("forretningsadresse.postnummer")),
                "country_code": f"COALESCE(upper({trimmed(col('forretningsadresse.landkode'))}), '{self.country_code}')",
                "industry_code": digits_only(col("naeringskode1.kode")),
                "legal_form": f"upper({trimmed(col('organisasjonsform.kode'))})",   # AS, ASA, NUF, DA...
                "employees": count_value(employees),
                "domain": normalized_domain_sql(col("hjemmeside")),
                "founded_year": f"date_part('year', {founded})::int",
                # The foundation, else the day the unit was registered.
                "founded_date": f"COALESCE({founded}, {iso_date(col('registreringsdatoEnhetsregisteret'))})",
                "register_status": "CASE {} END".format(" ".join(
                    f"WHEN {flag} THEN '{status}'" for flag, status, _date in flags)),
                "register_status_date": "CASE {} END".format(" ".join(
                    f"WHEN {flag} THEN {date}" for flag, _status, date in flags)),
            },
            terms=terms,
        )
