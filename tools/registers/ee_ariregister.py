"""Estonia: the e-Business Register (Äriregister, RIK) with the Tax and
Customs Board's (Maksu- ja Tolliamet, EMTA) employees and turnover.

Two files joined by the registry code (*registrikood*, 8 digits, the last a
check digit):

- the register's open "simple data" (*lihtandmed*), daily, CC BY 4.0:
  https://avaandmed.ariregister.rik.ee/en/downloading-open-data, the file
  ``ettevotja_rekvisiidid__lihtandmed.csv.zip`` (one CSV, semicolons, a
  BOM): name, code, legal form, status (R registered, L in liquidation, N in
  bankruptcy, K deleted), address (street part, EHAK text, postcode), date
  of the first entry;
- EMTA's "taxes paid, turnover and number of employees" (*tasutud maksud,
  käive ja töötajate arv*), published on the 10th of the month after each
  quarter: https://www.emta.ee/en/business-client/board-news-and-contact/news-press-information-statistics/statistics-and-open-data
  (open data, CC BY-SA 3.0 EE per the national open data portal). Two
  published formats, both accepted:

  * until 2024, one file per quarter (``tasutud_maksud_2021_i_kvartal.csv``,
    semicolons): ``Registrikood;Nimi;Liik;...;Riiklikud Maksud;Tööjõumaksud
    Ja Maksed;Kaive;Tootajaid`` (some years "Käive", "Töötajate arv"),
    amounts with spaces and a decimal comma. The quarter is only in the
    file's name: read from it (`file_names`), else unknown;
  * since 2025, ``tasutud_maksud_kaesolev_aasta.csv`` (this year and the
    last) and ``..._varasemad_aastad.csv`` (earlier ones), commas, one row
    per company and **year**, the quarters in columns: ``Registrikood,
    ..., Aasta, Riiklikud maksud I kv..., Käive I kv..., Töötajate arv I
    kv...`` (the ``_eng.csv`` twins: ``Registry code, ..., Year, Turnover I
    qtr..., Number of employees I qtr...``); a quarter not yet published is
    empty.

  Per company, the latest quarter with a figure is kept: its employees, and
  its turnover times four as the estimated annual revenue, in euros; the
  quarter is stored (``figures_quarter``). The turnover is that of the VAT
  returns (reverse-charge purchases included): an estimate, not the
  accounts' revenue. Rows without an 8-digit registry code (self-employed
  persons, non-residents) are no company of the register: not staged.

Sole proprietors (FIE, *füüsilisest isikust ettevõtja*) are natural persons
(GDPR): never imported. The simple data file has no activity code: no
industry. The VAT number (KMKR, EE + 9 digits) is not derived from the
registry code: partners are matched by their Company ID only.
"""
import re

from .base import DIGITS, MAX_INTEGER, RegisterAdapter, RowSql, day_first_date, only_chars, trimmed

NATURAL_PERSON_FORMS = ("füüsilisest isikust ettevõtja", "fie")
# ettevotja_staatus: on their way out, or deleted.
WAY_OUT_STATUSES = {"L": "liquidation", "N": "bankrupt"}
DELETED_STATUS = "K"
# The tax file's columns, under each of their published names (a name a file
# lacks reads as ''): the old per-quarter file, the new Estonian and English.
TAX_NUMBER = ("Registrikood", "Registry code")
TAX_YEAR = ("Aasta", "Year")
TAX_TURNOVER = ("Käive", "Kaive")
TAX_EMPLOYEES = ("Töötajate arv", "Tootajaid", "Töötajaid")
QUARTERS = ("I", "II", "III", "IV")
TAX_QUARTER_TURNOVER = ("Käive {} kv", "Turnover {} qtr")
TAX_QUARTER_EMPLOYEES = ("Töötajate arv {} kv", "Number of employees {} qtr")
# The quarter of an old per-quarter file, in its name.
QUARTER_FILE_NAME = re.compile(r"(\d{4})_(iv|i{1,3})_kv", re.IGNORECASE)
# The registry code's check digit: weights 1-7 on the first seven digits,
# modulo 11; a remainder of 10 tries weights 3-9; 10 again gives 0.
CHECK_WEIGHTS = ((1, 2, 3, 4, 5, 6, 7), (3, 4, 5, 6, 7, 8, 9))


def registry_check_digit(code):
    """The check digit of the first seven digits of a registry code."""
    for weights in CHECK_WEIGHTS:
        remainder = sum(int(digit) * weight for digit, weight in zip(code[:7], weights)) % 11
        if remainder < 10:
            return remainder
    return 0


def _any(col, names):
    """SQL: the text of whichever of these columns the file has."""
    return "btrim(concat({}))".format(", ".join(col(name) for name in names))


def _amount(text):
    """SQL: an amount as EMTA writes it ("140 346,67", "1178.0"), spaces
    dropped, the comma a decimal point."""
    return f"replace(translate({text}, ' ' || chr(160), ''), ',', '.')"


class AriregisterAdapter(RegisterAdapter):
    code = "ee_ariregister"
    label = "e-Business Register (Estonia)"
    country_code = "EE"
    classification = "nace2"
    # The simple data file's semicolons; the new tax file's commas.
    delimiter = (";", ",")
    # The registry code, 8 digits.
    registry_number_sql = r"""substring(regexp_replace(p.company_registry, '[\s.-]', '', 'g') from '^(\d{8})$')"""
    download_url = "https://avaandmed.ariregister.rik.ee/en/downloading-open-data"
    number_column = "ariregistri_kood"
    complete_file_names = r"^ettevotja_rekvisiidid__lihtandmed\b"
    complete_unit_file_names = r"^tasutud_maksud"
    required_columns = (
        "nimi", "ariregistri_kood", "ettevotja_oiguslik_vorm", "ettevotja_staatus", "asukoht_ettevotja_aadressis",
        "asukoha_ehak_tekstina", "indeks_ettevotja_aadressis",
    )
    # The new Estonian tax file's: `recognises_units` accepts every format.
    unit_required_columns = ("Registrikood", "Aasta", "Käive I kv", "Töötajate arv I kv")
    units_optional = True
    unit_order = "u.figures_quarter"
    # Longer than any real value: a damaged or forged file.
    field_lengths = {"ariregistri_kood": 8, "nimi": 500, "asukoht_ettevotja_aadressis": 500,
                     "indeks_ettevotja_aadressis": 10}
    unit_field_lengths = {"Registrikood": 20, "Registry code": 20}

    @classmethod
    def recognises_units(cls, header):
        header = set(header)
        number = any(name in header for name in TAX_NUMBER)
        by_year = any(name in header for name in TAX_YEAR) and any(
            name.format("I") in header for name in TAX_QUARTER_TURNOVER)
        by_quarter = any(name in header for name in TAX_TURNOVER) and any(name in header for name in TAX_EMPLOYEES)
        return number and (by_year or by_quarter)

    def file_quarter(self):
        """The quarter an old per-quarter tax file's name gives, or None."""
        for name in self.file_names:
            found = QUARTER_FILE_NAME.search(name)
            if found:
                return f"{found.group(1)}-Q{QUARTERS.index(found.group(2).upper()) + 1}"
        return None

    def company_sql(self, col):
        name = "t.name"
        terms = {"number": f"btrim({col('ariregistri_kood')})", "name": f"btrim({col('nimi')})",
                 "status": f"upper(btrim({col('ettevotja_staatus')}))",
                 "place": f"string_to_array(btrim({col('asukoha_ehak_tekstina')}), ', ')"}
        # The check digit and the date are terms too (computed once per row,
        # read twice): written on the columns, as terms cannot use terms.
        number = terms["number"]
        digits_ok = only_chars(number, DIGITS, 8)
        check = "CASE WHEN r1 < 10 THEN r1 WHEN r2 < 10 THEN r2 ELSE 0 END"
        sums = [" + ".join(f"substr({number}, {position}, 1)::int * {weight}"
                           for position, weight in enumerate(weights, 1)) for weights in CHECK_WEIGHTS]
        # mod(), not %: the SQL goes through the driver's parameters.
        check = check.replace("r1", f"mod({sums[0]}, 11)").replace("r2", f"mod({sums[1]}, 11)")
        # CASE: the digits are cast only once known to be digits.
        terms["number_ok"] = f"(CASE WHEN {digits_ok} THEN right({number}, 1)::int = {check} ELSE FALSE END)"
        number, number_ok = "t.number", "t.number_ok"
        # dd.mm.yyyy; anything else leaves the date empty.
        terms["founded"] = day_first_date(col("ettevotja_esmakande_kpv"), ".")
        founded = "t.founded"
        statuses = " ".join(f"WHEN '{code}' THEN '{status}'" for code, status in WAY_OUT_STATUSES.items())
        return RowSql(
            number=f"CASE WHEN {number_ok} THEN {number} END",
            checks=[
                (f"{number} = ''", "missing_number", "''"),
                (f"NOT {number_ok}", "bad_number", number),
                (f"{name} = ''", "missing_name", "''"),
            ],
            exclusions=[
                (f"lower(btrim({col('ettevotja_oiguslik_vorm')})) IN "
                 f"({', '.join(repr(form) for form in NATURAL_PERSON_FORMS)})", "natural_person"),
                (f"t.status = '{DELETED_STATUS}'", "closed"),
            ],
            values={
                "register_number": number,
                "name": name,
                "street": trimmed(col("asukoht_ettevotja_aadressis")),
                # "Pirita linnaosa, Tallinn, Harju maakond": the place before the county.
                "city": "NULLIF(t.place[array_length(t.place, 1) - 1], '')",
                "zip": trimmed(col("indeks_ettevotja_aadressis")),
                "country_code": f"'{self.country_code}'",
                "founded_year": f"date_part('year', {founded})::int",
                "founded_date": founded,
                "register_status": f"CASE t.status {statuses} END",
                "legal_form": trimmed(col("ettevotja_oiguslik_vorm")),   # Osaühing, Aktsiaselts...
            },
            terms=terms,
        )

    def unit_sql(self, col):
        number = _any(col, TAX_NUMBER)
        # Each quarter's texts once per row (a column a file lacks reads as
        # ''): e1..e4, t1..t4, and the old per-quarter file's e0, t0.
        terms = {"number": number, "year": _any(col, TAX_YEAR), "e0": _any(col, TAX_EMPLOYEES),
                 "t0": _amount(_any(col, TAX_TURNOVER))}
        for index, quarter in enumerate(QUARTERS, 1):
            terms[f"e{index}"] = _any(col, [name.format(quarter) for name in TAX_QUARTER_EMPLOYEES])
            terms[f"t{index}"] = _amount(_any(col, [name.format(quarter) for name in TAX_QUARTER_TURNOVER]))
        # The latest quarter of a yearly row with a figure (NULL in an old
        # per-quarter file, which has no such columns), and its figures.
        has = {index: f"(t.e{index} <> '' OR t.t{index} <> '')" for index in range(4, 0, -1)}
        latest = "CASE {} END".format(" ".join(f"WHEN {has[index]} THEN {index}" for index in has))

        def of_latest(kind):
            return "(CASE {} ELSE t.{}0 END)".format(
                " ".join(f"WHEN {has[index]} THEN t.{kind}{index}" for index in has), kind)

        file_quarter = self.file_quarter()
        employees, turnover = of_latest("e"), of_latest("t")
        # "12" or "12.0".
        employees_ok = f"{employees} ~ '^[0-9]{{1,15}}([.]0*)?$'"
        employees_value = f"split_part({employees}, '.', 1)"
        turnover_ok = f"{turnover} ~ '^-?[0-9]{{1,15}}([.][0-9]*)?$'"
        has_figures = f"({employees} <> '' OR {turnover} <> '')"
        quarter = (f"CASE WHEN {latest} IS NOT NULL THEN CASE WHEN {only_chars('t.year', DIGITS, 4)} "
                   f"THEN t.year || '-Q' || {latest} END "
                   f"WHEN {has_figures} THEN "
                   + (f"'{file_quarter}'" if file_quarter else "NULL") + " END")
        revenue = f"CASE WHEN {turnover_ok} THEN CASE WHEN {turnover}::numeric >= 0 THEN {turnover}::numeric * 4 END END"
        return RowSql(
            number=f"CASE WHEN {only_chars('t.number', DIGITS, 8)} THEN t.number END",
            checks=[
                (f"{employees} <> '' AND NOT {employees_ok}", "bad_employees", employees),
                (f"CASE WHEN {employees_ok} THEN {employees_value}::numeric > {MAX_INTEGER} END", "too_big", employees),
                (f"{turnover} <> '' AND NOT {turnover_ok}", "bad_amount", turnover),
            ],
            values={
                "register_number": "t.number",
                "employees": f"CASE WHEN {employees_ok} THEN CASE WHEN {employees_value}::numeric <= {MAX_INTEGER} "
                             f"THEN {employees_value}::int END END",
                "estimated_revenue": revenue,
                "revenue_currency": f"CASE WHEN {revenue} IS NOT NULL THEN 'EUR' END",
                "figures_quarter": quarter,
            },
            # Self-employed persons and non-residents have no registry code.
            keep=only_chars(number, DIGITS, 8),
            terms=terms,
        )
