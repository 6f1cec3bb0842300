"""UK, Companies House "Free Company Data Product" (BasicCompanyData).

Live companies only, monthly, every field quoted, dates dd/mm/yyyy, some
header names with a leading space. No size, website or e-mail.
"""
import re

from .base import BadRow, Excluded, RegisterAdapter, RegisterCompany

# Still listed, but on their way out: archived like the dissolved ones.
WINDING_UP_STATUSES = {
    "liquidation", "receivership", "in administration", "administration order",
    "administrative receiver", "receiver manager / administrative receiver", "receiver action",
    "insolvency proceedings", "active - proposal to strike off", "dissolved", "closed", "converted / closed",
}
_SIC_RE = re.compile(r"^\s*(\d{4,5})\b")
_DATE_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


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
    complete_file_names = r"^BasicCompanyDataAsOneFile\b"   # not its parts, BasicCompanyData-...-part1_7
    required_columns = (
        "CompanyName", "CompanyNumber", "RegAddress.AddressLine1", "RegAddress.PostTown",
        "RegAddress.PostCode", "CompanyStatus", "IncorporationDate", "SICCode.SicText_1",
    )

    def parse_row(self, row):
        number = row["CompanyNumber"].strip()
        if not number:
            raise BadRow("missing_number")
        name = row["CompanyName"].strip()
        if not name:
            raise BadRow("missing_name")
        if row["CompanyStatus"].strip().lower() in WINDING_UP_STATUSES:
            raise Excluded("closed")
        founded = row["IncorporationDate"].strip()
        founded_year = None
        if founded:
            match = _DATE_RE.match(founded)
            if not match or not 1 <= int(match.group(1)) <= 31 or not 1 <= int(match.group(2)) <= 12:
                raise BadRow("bad_date", founded, register_number=number)
            founded_year = int(match.group(3))
        street = ", ".join(part for part in (
            row["RegAddress.AddressLine1"].strip(), row.get("RegAddress.AddressLine2", "").strip(),
        ) if part)
        return RegisterCompany(
            register_number=number,
            name=name,
            street=street or None,
            city=row["RegAddress.PostTown"].strip() or None,
            zip=row["RegAddress.PostCode"].strip() or None,
            state_name=row.get("RegAddress.County", "").strip() or None,
            country_code=self.country_code,
            industry_code=self._first_sic_code(row),
            employees=None,
            domain=None,
            founded_year=founded_year,
        )

    @staticmethod
    def _first_sic_code(row):
        # "62012 - Business and domestic software development", or "None Supplied".
        for index in range(1, 5):
            match = _SIC_RE.match(row.get(f"SICCode.SicText_{index}", ""))
            if match:
                return match.group(1)
        return None
