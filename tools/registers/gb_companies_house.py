"""UK, Companies House "Free Company Data Product" (BasicCompanyData).

Live companies only, monthly, every field quoted, dates dd/mm/yyyy, some
header names with a leading space. No size, website or e-mail.
"""
import re

from .base import BadRow, Excluded, RegisterAdapter, RegisterCompany

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
    number_pattern = re.compile(r"^[A-Z0-9]{8}$")
    field_lengths = FIELD_LENGTHS
    complete_file_names = r"^BasicCompanyDataAsOneFile\b"   # not its parts, BasicCompanyData-...-part1_7
    required_columns = (
        "CompanyName", "CompanyNumber", "RegAddress.AddressLine1", "RegAddress.PostTown",
        "RegAddress.PostCode", "CompanyStatus", "IncorporationDate", "SICCode.SicText_1",
    )

    def parse_row(self, row):
        number = row["CompanyNumber"].strip()
        if not number:
            raise BadRow("missing_number")
        if not self.number_pattern.match(number):
            raise BadRow("bad_number", number)
        name = row["CompanyName"].strip()
        if not name:
            raise BadRow("missing_name", register_number=number)
        founded = row["IncorporationDate"].strip()
        founded_year = None
        if founded:
            match = _DATE_RE.match(founded)
            if not match or not 1 <= int(match.group(1)) <= 31 or not 1 <= int(match.group(2)) <= 12:
                raise BadRow("bad_date", founded, register_number=number)
            founded_year = int(match.group(3))
        status = row["CompanyStatus"].strip().lower()
        if status in CLOSED_STATUSES:
            raise Excluded("closed")
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
            # The file gives no date of the status: the merge dates it.
            register_status=WAY_OUT_STATUSES.get(status),
        )

    @staticmethod
    def _first_sic_code(row):
        # "62012 - Business and domestic software development", or "None Supplied".
        for index in range(1, 5):
            match = _SIC_RE.match(row.get(f"SICCode.SicText_{index}", ""))
            if match:
                return match.group(1)
        return None
