"""Belgium, Crossroads Bank for Enterprises (KBO/BCE): the KBO Open Data
full and update extracts, daily since October 2025.

Sources: FPS Economy, "KBO Open Data"
(https://economie.fgov.be/en/themes/enterprises/crossroads-bank-enterprises/services-everyone/public-data-available-reuse/cbe-open-data,
download after a free registration at https://kbopub.economie.fgov.be/kbo-open-data/)
and its "Cookbook KBO Open data" (the files, their columns and codes).

``KboOpenData_NNNN_YYYY_MM_DD_Full.zip`` is a zip of CSV members at its
root, every field quoted, dates dd-mm-yyyy, joined on the enterprise number
(``0201.310.929``: 10 digits starting with 0 or 1, the last two
97 - (the first 8 mod 97)). Read here, each recognised by its header:
``enterprise.csv`` (the companies), ``denomination.csv``, ``address.csv``,
``contact.csv`` and ``activity.csv`` (side files, see
`RegisterAdapter.side_files`); ``meta.csv``, ``code.csv``,
``establishment.csv`` and ``branch.csv`` are not read. A full extract holds
active entities only. The enterprise number is also the VAT number (BE +
number) of the enterprises liable to VAT.

``KboOpenData_NNNN_YYYY_MM_DD_Update.zip`` (the Cookbook's "update file")
holds, per table, ``<table>_delete.csv`` (one column, the entity number:
``EntityNumber``, ``EnterpriseNumber`` for ``enterprise_delete.csv``) and
``<table>_insert.csv`` (the columns of the full file's table): every row of
each entity listed in the first is deleted, then the rows of the second are
inserted, so an entity whose rows of a table change is listed in its
deletions and has all its current rows (possibly none) in its insertions.
``meta.csv`` (``Variable``, ``Value``) says ``ExtractType`` (``full`` or
``update``) and ``ExtractNumber``, one more with each extract: updates are
applied in that order, after the full extract they follow.

GDPR: natural persons (``TypeOfEnterprise`` 1) are never imported.
"""
from ..domains import normalized_domain_sql
from .base import DIGITS, RegisterAdapter, RowSql, day_first_date, only_chars, trimmed

NATURAL_PERSON = "1"
ACTIVE = "AC"
# JuridicalSituation (code.csv): 000 normal, 001 legal creation, 002
# extension, 003 replacement of the number are normal situations; 012 to
# 014 are bankruptcy (opened, closed); every other one (dissolution,
# liquidation, judicial reorganisation...) is a company on its way out: kept,
# never delivered.
NORMAL_SITUATIONS = ("000", "001", "002", "003")
BANKRUPTCY_SITUATIONS = ("012", "013", "014")
# Language of a denomination (code.csv, Language).
LANGUAGES = {"1": "fr", "2": "nl", "3": "de", "4": "en"}
# The activities read: the main one of the VAT group (ActivityGroup 001), in
# NACE-BEL 2025 (NACE Rev. 2.1), else 2008 (NACE Rev. 2): both keep the NACE
# division numbers the mapping uses.
VAT_GROUP = "001"
NACE_VERSIONS = ("2025", "2008")


def _number(value):
    """SQL: the digits of an entity number written 0201.310.929."""
    return f"replace(btrim({value}), '.', '')"


def _enterprise_number_ok(digits):
    """SQL: whether 10 digits are an enterprise number (0 or 1, then the
    check digits: 97 - the first 8 mod 97)."""
    return (f"CASE WHEN {only_chars(digits, DIGITS, 10)} AND left({digits}, 1) IN ('0', '1') "
            f"THEN 97 - mod(left({digits}, 8)::int, 97) = right({digits}, 2)::int ELSE FALSE END")


def _phone(value):
    """SQL: a Belgian phone number as +32..., a foreign one (00...) as +...;
    NULL without digits."""
    digits = f"regexp_replace({value}, '[^0-9+]', '', 'g')"
    return (f"(SELECT CASE WHEN left(n, 1) = '+' THEN n WHEN left(n, 2) = '00' THEN '+' || substr(n, 3) "
            f"WHEN left(n, 1) = '0' THEN '+32' || substr(n, 2) WHEN n <> '' THEN n END FROM {digits} AS n)")


class KboAdapter(RegisterAdapter):
    code = "be_kbo"
    label = "Crossroads Bank for Enterprises, KBO/BCE (Belgium)"
    country_code = "BE"
    classification = "nace2"
    # The enterprise number (an old one of 9 digits gets its leading 0), or
    # the VAT number BE + it.
    registry_number_sql = (
        r"""(SELECT CASE WHEN n ~ '^[01]\d{9}$' THEN n WHEN n ~ '^\d{9}$' THEN '0' || n END
              FROM regexp_replace(p.company_registry, '[\s./-]', '', 'g') AS n)"""
    )
    vat_number_sql = (
        r"""(SELECT CASE WHEN n ~ '^BE[01]\d{9}$' THEN substr(n, 3) WHEN n ~ '^BE\d{9}$' THEN '0' || substr(n, 3) END
              FROM upper(regexp_replace(p.vat, '[\s./-]', '', 'g')) AS n)"""
    )
    download_url = "https://kbopub.economie.fgov.be/kbo-open-data/"
    number_column = "EnterpriseNumber"
    file_date_pattern = r"^KboOpenData_\d+_(\d{4})_(\d{2})_(\d{2})_(?:Full|Update)\b"
    complete_file_names = r"^KboOpenData_\d+_\d{4}_\d{2}_\d{2}_Full\b"
    required_columns = ("EnterpriseNumber", "Status", "JuridicalSituation", "TypeOfEnterprise", "JuridicalForm",
                        "StartDate")
    side_files = {
        "denominations": ("EntityNumber", "Language", "TypeOfDenomination", "Denomination"),
        "addresses": ("EntityNumber", "TypeOfAddress", "Zipcode", "MunicipalityNL", "MunicipalityFR", "StreetNL",
                      "StreetFR", "HouseNumber", "Box"),
        "contacts": ("EntityNumber", "EntityContact", "ContactType", "Value"),
        "activities": ("EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification"),
    }
    side_columns = {
        "denominations": ("name",),
        "addresses": ("street", "city", "zip"),
        "contacts": ("domain", "phones", "emails"),
        "activities": ("industry_code",),
    }
    delete_columns = ("EntityNumber", "EnterpriseNumber")
    meta_columns = ("Variable", "Value")

    @classmethod
    def extract_info(cls, meta):
        number = (meta.get("ExtractNumber") or "").strip()
        return {"update": (meta.get("ExtractType") or "").strip().lower() == "update",
                "number": int(number) if number.isdigit() else None}

    def company_sql(self, col):
        digits = _number(col("EnterpriseNumber"))
        number_ok = _enterprise_number_ok(digits)
        situation = f"btrim({col('JuridicalSituation')})"
        founded = "t.founded"
        normal = ", ".join(f"'{code}'" for code in NORMAL_SITUATIONS)
        bankrupt = ", ".join(f"'{code}'" for code in BANKRUPTCY_SITUATIONS)
        return RowSql(
            number="CASE WHEN t.number_ok THEN t.digits END",
            checks=[
                ("t.digits = ''", "missing_number", "''"),
                ("NOT t.number_ok", "bad_number", f"btrim({col('EnterpriseNumber')})"),
            ],
            exclusions=[
                (f"btrim({col('TypeOfEnterprise')}) = '{NATURAL_PERSON}'", "natural_person"),
                (f"upper(btrim({col('Status')})) <> '{ACTIVE}'", "closed"),
            ],
            values={
                "register_number": "t.digits",
                "country_code": f"'{self.country_code}'",
                "founded_date": founded,
                "founded_year": f"date_part('year', {founded})::int",
                "register_status": f"""CASE WHEN {situation} IN ({normal}, '') THEN NULL
                                            WHEN {situation} IN ({bankrupt}) THEN 'bankrupt'
                                            ELSE 'winding_up' END""",
            },
            # Once per row: the founding year is read from it too.
            terms={"digits": digits, "number_ok": number_ok, "founded": day_first_date(col("StartDate"), "-")},
        )

    def delete_sql(self, col):
        # Either column: enterprise_delete.csv names it EnterpriseNumber.
        raw = f"concat({col('EntityNumber')}, {col('EnterpriseNumber')})"
        digits = _number(raw)
        # An establishment (2.xxx.xxx.xxx) is none of the companies: skipped.
        establishment = f"({only_chars('t.digits', DIGITS, 10)} AND left(t.digits, 1) NOT IN ('0', '1'))"
        return RowSql(
            number="CASE WHEN t.number_ok THEN t.digits END",
            checks=[
                ("t.digits = ''", "missing_number", "''"),
                (f"NOT t.number_ok AND NOT {establishment}", "bad_number", f"btrim({raw})"),
            ],
            values={"register_number": "t.digits"},
            terms={"digits": digits, "number_ok": _enterprise_number_ok(digits)},
        )

    def kept_side_fields(self, kind, company):
        # The seat's postcode says the language of the name (`side_values`).
        return f"jsonb_build_object('zip', {company}.zip)" if kind == "addresses" else None

    def side_sql(self, kind, col):
        number = _number(col("EntityNumber"))
        # Enterprises only: an establishment's number (2.xxx.xxx.xxx) is longer.
        enterprise = f"length(btrim({col('EntityNumber')})) = 12"
        if kind == "denominations":
            language = "CASE btrim({}) {} ELSE 'other' END".format(col("Language"), " ".join(
                f"WHEN '{code}' THEN '{name}'" for code, name in LANGUAGES.items()))
            name = trimmed(col("Denomination"))
            fields = f"jsonb_build_object('name', {name}, 'name_' || {language}, {name})"
            # Type 001: the enterprise's name (not its abbreviation or trade names).
            keep = f"{enterprise} AND btrim({col('TypeOfDenomination')}) = '001'"
        elif kind == "addresses":
            box = trimmed(col("Box"))
            fields = ("jsonb_build_object('zip', {zip}, 'city_nl', {city_nl}, 'city_fr', {city_fr}, "
                      "'street_nl', {street_nl}, 'street_fr', {street_fr})").format(
                zip=trimmed(col("Zipcode")), city_nl=trimmed(col("MunicipalityNL")),
                city_fr=trimmed(col("MunicipalityFR")),
                street_nl=f"NULLIF(concat_ws(' ', {trimmed(col('StreetNL'))}, {trimmed(col('HouseNumber'))}, "
                          f"'bus ' || {box}), '')",
                street_fr=f"NULLIF(concat_ws(' ', {trimmed(col('StreetFR'))}, {trimmed(col('HouseNumber'))}, "
                          f"'bte ' || {box}), '')",
            )
            keep = f"{enterprise} AND btrim({col('TypeOfAddress')}) = 'REGO'"   # the registered seat
        elif kind == "contacts":
            kind_sql, value = f"upper(btrim({col('ContactType')}))", col("Value")
            fields = (f"CASE {kind_sql} WHEN 'TEL' THEN jsonb_build_object('phone', {_phone(value)}) "
                      f"WHEN 'EMAIL' THEN jsonb_build_object('email', lower({trimmed(value)})) "
                      f"WHEN 'WEB' THEN jsonb_build_object('domain', {normalized_domain_sql(value)}) END")
            keep = f"{enterprise} AND upper(btrim({col('ContactType')})) IN ('TEL', 'EMAIL', 'WEB')"   # no FAX
        else:
            fields = f"jsonb_build_object('nace' || btrim({col('NaceVersion')}), {trimmed(col('NaceCode'))})"
            # 36 M rows: only the main activity of the VAT group is staged.
            keep = (f"{enterprise} AND btrim({col('Classification')}) = 'MAIN' "
                    f"AND btrim({col('ActivityGroup')}) = '{VAT_GROUP}' "
                    f"AND btrim({col('NaceVersion')}) IN ({', '.join(repr(v) for v in NACE_VERSIONS)})")
        return RowSql(number=f"CASE WHEN length({number}) = 10 THEN {number} END", checks=[],
                      values={"register_number": number, "fields": fields}, keep=keep)

    def side_values(self, fields):
        zip_code = f"CASE WHEN ({fields}->>'zip') ~ '^\\d{{4}}$' THEN ({fields}->>'zip')::int END"
        # The seat's region: Brussels 1000-1299, Wallonia 1300-1499 and
        # 4000-7999, Flanders the rest.
        region = (f"CASE WHEN {zip_code} BETWEEN 1000 AND 1299 THEN 'brussels' "
                  f"WHEN {zip_code} BETWEEN 1300 AND 1499 OR {zip_code} BETWEEN 4000 AND 7999 THEN 'wallonia' "
                  f"WHEN {zip_code} IS NOT NULL THEN 'flanders' END")

        def by_region(field, first=None):
            nl, fr = f"{fields}->>'{field}_nl'", f"{fields}->>'{field}_fr'"
            rest = f", {fields}->>'{first}'" if first else ""
            return (f"CASE {region} WHEN 'flanders' THEN COALESCE({nl}{rest}, {fr}) "
                    f"WHEN 'wallonia' THEN COALESCE({fr}{rest}, {nl}) "
                    f"WHEN 'brussels' THEN COALESCE({fr}, {nl}{rest}) ELSE COALESCE({fr}, {nl}) END")

        return {
            # The name in the seat's language, else the first one.
            "name": f"""CASE {region} WHEN 'flanders' THEN COALESCE({fields}->>'name_nl', {fields}->>'name')
                                      WHEN 'wallonia' THEN COALESCE({fields}->>'name_fr', {fields}->>'name')
                                      WHEN 'brussels' THEN COALESCE({fields}->>'name_fr', {fields}->>'name_nl',
                                                                    {fields}->>'name')
                                      ELSE {fields}->>'name' END""",
            "street": by_region("street"),
            "city": by_region("city"),
            "zip": f"{fields}->>'zip'",
            "industry_code": f"""NULLIF(translate(COALESCE({fields}->>'nace2025', {fields}->>'nace2008'), '.', ''),
                                        '')""",
            "domain": f"{fields}->>'domain'",
            "phones": f"{fields}->>'phone'",
            "emails": f"{fields}->>'email'",
        }
