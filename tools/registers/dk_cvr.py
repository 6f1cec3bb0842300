"""Denmark, Erhvervsstyrelsen (Danish Business Authority): the Central
Business Register (CVR), its companies (``Vrvirksomhed`` documents).

Source: CVR's system-to-system access, an Elasticsearch index
(``http://distribution.virk.dk/cvr-permanent/virksomhed/_search``, scroll
API), open to anyone who signs its terms
(https://datacvr.virk.dk/artikel/system-til-system-adgang-til-cvr-data;
terms: https://datacvr.virk.dk/artikel/vilkaar-og-betingelser). There is no
download: ``scripts/registers/dump_dk_cvr.py`` writes the dump with the
user's credentials, one document per line, gzipped. A line may be the whole
search hit, its ``_source`` or the ``Vrvirksomhed`` object (`json_roots`).

Only ``virksomhedMetadata`` is read: CVR computes there the current value
of each history (``nyesteNavn``, ``nyesteBeliggenhedsadresse``,
``nyesteHovedbranche``, ``nyesteVirksomhedsform``, ``nyesteKontaktoplysninger``,
``sammensatStatus``, ``stiftelsesDato``), so the long histories are never
parsed (their lists of objects are skipped as they are flattened).

- Industry: ``nyesteHovedbranche.branchekode``, six digits of Danmarks
  Statistik's DB07 (and DB25 since 2025, on NACE Rev. 2.1): its first two are
  the NACE division.
- Company form (``nyesteVirksomhedsform.virksomhedsformkode``): 10
  Enkeltmandsvirksomhed and 15 Personligt ejet Mindre Virksomhed are natural
  persons (GDPR): never imported.
- Status (``sammensatStatus``, "Normal", "Under konkurs", "Opløst efter
  fusion"...): ceased or dissolved is excluded; bankrupt, in liquidation or
  compulsory dissolution are kept, never delivered.
- Employees: CVR holds four figures (``nyesteAarsbeskaeftigelse``,
  ``nyesteKvartalsbeskaeftigelse``, ``nyesteMaanedsbeskaeftigelse`` and
  ``nyesteErstMaanedsbeskaeftigelse``). The monthly figures from the income
  register (``erstMaanedsbeskaeftigelse``, eIndkomst) are the current ones;
  the quarterly and yearly series stopped being updated for most companies,
  so the most recent period of the four is taken (year, then quarter or
  month), its ``antalAnsatte`` when given, else its band
  (``intervalKodeAntalAnsatte``, ``ANTAL_20_49``) as employees and
  employees_max.
- Contacts: ``nyesteKontaktoplysninger``, a list of texts (phones, e-mail
  addresses and web sites mixed; secret ones are not published).
- Advertising protection (``reklamebeskyttet``, Danish Companies Act
  (selskabsloven) and CVR-loven § 18): a company that refuses advertising may
  not be contacted for it. Imported (matching and enrichment use it), never
  delivered; a document without the field refuses the whole file.
CVR publishes no revenue: the directory's revenue stays empty.
"""
import re

from ..domains import normalized_domain_sql
from .base import DIGITS, MAX_INTEGER, RegisterAdapter, RowSql, count_value, iso_date, only_chars, trimmed

META = "virksomhedMetadata."
# Sole proprietorships: natural persons (GDPR), never imported.
NATURAL_PERSON_FORMS = ("10", "15")
# sammensatStatus, lowercased: what starts so has ceased (excluded).
CEASED_PREFIXES = ("ophørt", "opløst", "tvangsopløst", "slettet")
# sammensatStatus, lowercased: on its way out, kept, never delivered.
WAY_OUT_STATUSES = (
    ("under konkurs", "bankrupt"),
    ("under frivillig likvidation", "liquidation"),
    ("under likvidation", "liquidation"),
    ("under tvangsopløsning", "winding_up"),
    ("under rekonstruktion", "administration"),
)
# The employment figures, with the SQL of the month their period ends.
EMPLOYMENT = (
    ("nyesteErstMaanedsbeskaeftigelse", "maaned"),
    ("nyesteMaanedsbeskaeftigelse", "maaned"),
    ("nyesteKvartalsbeskaeftigelse", "kvartal"),
    ("nyesteAarsbeskaeftigelse", None),
)
# A band's upper bound at or over this is open ("1000 and more"): MAX_INTEGER.
OPEN_BAND = 999999


class CvrAdapter(RegisterAdapter):
    code = "dk_cvr"
    label = "Central Business Register, CVR (Denmark)"
    country_code = "DK"
    classification = "nace2"
    download_url = "https://datacvr.virk.dk/artikel/system-til-system-adgang-til-cvr-data"
    number_column = "cvrNummer"
    number_pattern = re.compile(r"^\d{8}$")
    json_roots = ("_source", "Vrvirksomhed")
    required_columns = ("cvrNummer", "reklamebeskyttet", META + "nyesteNavn.navn", META + "sammensatStatus")
    required_in_every_row = ("reklamebeskyttet",)
    advertising_protection = True
    complete_file_names = r"^cvr_virksomheder\b"
    # The CVR number in a partner's Company ID, or its Tax ID "DK" + the number.
    registry_number_sql = r"""substring(regexp_replace(p.company_registry, '[\s.-]', '', 'g') from '^(?:DK)?(\d{8})$')"""
    vat_number_sql = r"""substring(upper(regexp_replace(p.vat, '[\s.-]', '', 'g')) from '^DK(\d{8})$')"""

    def company_sql(self, col):
        def meta(name):
            return col(META + name)

        number_ok = only_chars("t.number", DIGITS, 8)
        status = "t.status"
        terms = {
            "number": f"btrim({col('cvrNummer')})",
            "name": f"btrim({meta('nyesteNavn.navn')})",
            "status": f"lower(btrim({meta('sammensatStatus')}))",
            "contacts": f"string_to_array(NULLIF(btrim({meta('nyesteKontaktoplysninger')}), ''), ', ')",
            "staff": self._staff_sql(meta),
            # Once per row: the founding year is read from it too.
            "founded": iso_date(meta("stiftelsesDato")),
        }
        address = META + "nyesteBeliggenhedsadresse."
        house = f"concat({trimmed(col(address + 'husnummerFra'))}, {trimmed(col(address + 'bogstavFra'))})"
        founded = "t.founded"
        form = f"btrim({meta('nyesteVirksomhedsform.virksomhedsformkode')})"
        exact, band = "t.staff[1]", "t.staff[2]"
        band_low, band_high = f"split_part({band}, '_', 2)", f"split_part({band}, '_', 3)"
        band_ok = f"({only_chars(band_low, DIGITS)} AND {only_chars(band_high, DIGITS)} AND {band_low} <> '' " \
                  f"AND {band_high} <> '' AND length({band_high}) < 10)"
        return RowSql(
            number=f"CASE WHEN {number_ok} THEN t.number END",
            checks=[
                ("t.number = ''", "missing_number", "''"),
                (f"NOT {number_ok} OR left(t.number, 1) = '0'", "bad_number", "t.number"),
                ("t.name = ''", "missing_name", "''"),
            ],
            exclusions=[
                (f"{form} IN ({', '.join(repr(code) for code in NATURAL_PERSON_FORMS)})", "natural_person"),
                (" OR ".join(f"starts_with({status}, '{prefix}')" for prefix in CEASED_PREFIXES), "closed"),
            ],
            values={
                "register_number": "t.number",
                "name": "t.name",
                "street": f"NULLIF(concat_ws(' ', {trimmed(col(address + 'vejnavn'))}, NULLIF({house}, '')), '')",
                "city": trimmed(col(address + "postdistrikt")),
                "zip": trimmed(col(address + "postnummer")),
                "country_code": f"COALESCE(upper({trimmed(col(address + 'landekode'))}), '{self.country_code}')",
                "industry_code": f"NULLIF(btrim({meta('nyesteHovedbranche.branchekode')}), '')",
                "employees": f"COALESCE({count_value(exact)}, CASE WHEN {band_ok} THEN {band_low}::int END)",
                "employees_max": f"CASE WHEN {count_value(exact)} IS NULL AND {band_ok} THEN "
                                 f"CASE WHEN {band_high}::bigint >= {OPEN_BAND} THEN {MAX_INTEGER} "
                                 f"ELSE greatest({band_high}::int, {band_low}::int) END END",
                "domain": normalized_domain_sql(
                    "COALESCE((SELECT c FROM unnest(t.contacts) c WHERE position('@' IN c) = 0 "
                    "AND position('.' IN c) > 0 AND NOT " + only_chars("c", DIGITS + "+ .") + " LIMIT 1), '')"),
                "phones": "(SELECT string_agg(c, ', ') FROM unnest(t.contacts) c WHERE "
                          + only_chars("c", DIGITS + "+ ") + " AND c <> '')",
                "emails": "(SELECT string_agg(lower(c), ', ') FROM unnest(t.contacts) c WHERE position('@' IN c) > 1)",
                "founded_year": f"date_part('year', {founded})::int",
                "founded_date": founded,
                "register_status": "CASE {} END".format(" ".join(
                    f"WHEN {status} = '{text}' THEN '{value}'" for text, value in WAY_OUT_STATUSES)),
                # Anything but an explicit false is protected: a legal duty is never guessed away.
                "advertising_protected": f"lower(btrim({col('reklamebeskyttet')})) <> 'false'",
            },
            terms=terms,
        )

    @staticmethod
    def _staff_sql(meta):
        """SQL: the most recent employment figure, ``ARRAY[antalAnsatte,
        intervalKodeAntalAnsatte]`` (texts), NULL when there is none; of
        two figures of the same period, the first of EMPLOYMENT. Plain
        expressions: a subquery per row cost a third of the row's checks."""
        periods = []
        for figure, within in EMPLOYMENT:
            year = f"btrim({meta(figure + '.aar')})"
            month = "12"
            if within:
                part = f"btrim({meta(figure + '.' + within)})"
                times = 3 if within == "kvartal" else 1
                month = f"CASE WHEN {only_chars(part, DIGITS, 1)} OR {only_chars(part, DIGITS, 2)} THEN {part}::int * {times} END"
            exact, band = f"btrim({meta(figure + '.antalAnsatte')})", f"btrim({meta(figure + '.intervalKodeAntalAnsatte')})"
            # The period (year * 100 + month), NULL without a figure.
            key = (f"CASE WHEN {only_chars(year, DIGITS, 4)} AND ({exact} <> '' OR {band} <> '') "
                   f"THEN {year}::int * 100 + ({month}) END")
            periods.append((key, f"ARRAY[{exact}, {band}]"))
        # A simple CASE computes greatest() once; it skips NULL keys.
        return "CASE greatest({}) {} END".format(
            ", ".join(key for key, _figure in periods),
            " ".join(f"WHEN {key} THEN {figure}" for key, figure in periods))
