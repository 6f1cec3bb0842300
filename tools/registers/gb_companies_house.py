"""UK, Companies House "Free Company Data Product" (BasicCompanyData).

Live companies only, monthly, every field quoted, dates dd/mm/yyyy, some
header names with a leading space. No size, website or e-mail.
"""
from .base import DIGITS, RegisterAdapter, RowSql, only_chars, sql_date, trimmed

# CompanyStatus: closed ones are left out (archived); those on their way out
# are kept with a status (see base.REGISTER_STATUSES), never delivered.
CLOSED_STATUSES = {"dissolved", "closed", "converted / closed"}
WAY_OUT_STATUSES = {
    "active - proposal to strike off": "strike_off",
    "liquidation": "liquidation",
    "insolvency proceedings": "liquidation",
    "in administration": "administration",
    "administration order": "administration",
    "in administration/administrative receiver": "administration",
    "in administration/receiver manager": "administration",
    "receivership": "receivership",
    "receiver action": "receivership",
    "administrative receiver": "receivership",
    "receiver manager / administrative receiver": "receivership",
    "live but receiver manager on at least one charge": "receivership",
    "voluntary arrangement / administrative receiver": "receivership",
    "voluntary arrangement / receiver manager": "receivership",
}
# The field lengths of the product's description (Companies House, "Free
# Company Data Product"): a longer value is a damaged row.
FIELD_LENGTHS = {
    "CompanyName": 160, "CompanyNumber": 8, "RegAddress.CareOf": 100, "RegAddress.POBox": 10,
    "RegAddress.AddressLine1": 300, "RegAddress.AddressLine2": 300, "RegAddress.PostTown": 50,
    "RegAddress.County": 50, "RegAddress.Country": 50, "RegAddress.PostCode": 20, "CompanyCategory": 100,
    "CompanyStatus": 70, "CountryOfOrigin": 50,
}


class CompaniesHouseAdapter(RegisterAdapter):
    code = "gb_companies_house"
    label = "Companies House (United Kingdom)"
    country_code = "GB"
    classification = "nace2"   # UK SIC 2007 shares the divisions of NACE Rev. 2
    # Company numbers are 8 characters; "1234567" is 01234567. UK VAT
    # numbers are not derived from them.
    registry_number_sql = (
        r"""(SELECT CASE WHEN n ~ '^\d{1,8}$' THEN lpad(n, 8, '0') WHEN n ~ '^[A-Z]{2}\d{6}$' THEN n END
              FROM upper(regexp_replace(p.company_registry, '\s', '', 'g')) AS n)"""
    )
    download_url = "https://download.companieshouse.gov.uk/en_output.html"
    number_column = "CompanyNumber"
    field_lengths = FIELD_LENGTHS
    file_date_pattern = r"^BasicCompanyData\S*?-(\d{4})-(\d{2})-(\d{2})\b"
    complete_file_names = r"^BasicCompanyDataAsOneFile\b"   # not its parts, BasicCompanyData-...-part1_7
    required_columns = (
        "CompanyName", "CompanyNumber", "RegAddress.AddressLine1", "RegAddress.PostTown",
        "RegAddress.PostCode", "CompanyStatus", "IncorporationDate", "SICCode.SicText_1",
    )

    def company_sql(self, col):
        # Each regular expression once per row, on the shortest text: they
        # are what costs.
        number, founded = f"btrim({col('CompanyNumber')})", f"btrim({col('IncorporationDate')})"   # dd/mm/yyyy
        day, month, year = (f"substr(t.founded, {start}, {length})::int" for start, length in ((1, 2), (4, 2), (7, 4)))
        terms = {
            "number": number, "number_ok": only_chars(number, f"ABCDEFGHIJKLMNOPQRSTUVWXYZ{DIGITS}", 8),
            "name": f"btrim({col('CompanyName')})", "status": f"lower(btrim({col('CompanyStatus')}))",
            "founded": founded,
            "founded_ok": f"CASE WHEN length({founded}) = 10 AND substr({founded}, 3, 1) = '/' "
                          f"AND substr({founded}, 6, 1) = '/' AND "
                          f"{only_chars(f'substr({founded}, 1, 2) || substr({founded}, 4, 2) || substr({founded}, 7)', DIGITS)} THEN "
                          f"substr({founded}, 1, 2)::int BETWEEN 1 AND 31 AND substr({founded}, 4, 2)::int BETWEEN 1 AND 12 "
                          f"ELSE FALSE END",
            # "62012 - Business and domestic software development", or "None Supplied": the first code given.
            "sic": "COALESCE({})".format(", ".join(
                f"substring(left(ltrim({col(f'SICCode.SicText_{index}')}), 6) from '^(\\d{{4,5}})\\y')"
                for index in range(1, 5))),
        }
        return RowSql(
            number="CASE WHEN t.number_ok THEN t.number END",
            checks=[
                ("t.number = ''", "missing_number", "''"),
                ("NOT t.number_ok", "bad_number", "t.number"),
                ("t.name = ''", "missing_name", "''"),
                ("t.founded <> '' AND NOT t.founded_ok", "bad_date", "t.founded"),
            ],
            exclusions=[(f"t.status IN {_sql_list(CLOSED_STATUSES)}", "closed")],
            values={
                "register_number": "t.number",
                "name": "t.name",
                "street": f"NULLIF(concat_ws(', ', {trimmed(col('RegAddress.AddressLine1'))}, "
                          f"{trimmed(col('RegAddress.AddressLine2'))}), '')",
                "city": trimmed(col("RegAddress.PostTown")),
                "zip": trimmed(col("RegAddress.PostCode")),
                "state_name": trimmed(col("RegAddress.County")),
                "country_code": f"'{self.country_code}'",
                "industry_code": "t.sic",
                # "Private Limited Company", "PRI/LTD BY GUAR/NSC (Private, limited by guarantee...)"...
                "legal_form": trimmed(col("CompanyCategory")),
                "founded_year": f"CASE WHEN t.founded_ok THEN {year} END",
                "founded_date": f"CASE WHEN t.founded_ok THEN {sql_date(year, month, day)} END",
                # The file gives no date of the status: the merge dates it.
                "register_status": "CASE t.status {} END".format(" ".join(
                    f"WHEN '{text}' THEN '{code}'" for text, code in WAY_OUT_STATUSES.items())),
            },
            terms=terms,
        )


def _sql_list(values):
    """SQL: a list of plain literals, for IN."""
    return "(" + ", ".join(f"'{value}'" for value in sorted(values)) + ")"
