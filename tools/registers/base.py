"""What every register adapter provides: its file's shape and a row mapper."""
from collections import namedtuple

# One company of a register, in the order of the import's staging table.
RegisterCompany = namedtuple("RegisterCompany", [
    "register_number", "name", "street", "city", "zip", "state_name", "country_code",
    "industry_code", "employees", "domain", "founded_year",
])


class BadRow(Exception):
    """A row with a bad value: counted, listed and skipped.

    ``reason`` is one of ``RegisterAdapter.BAD_ROW_REASONS``; ``value`` the
    offending value, if any; ``register_number`` the row's number when it
    has one (its company is then left as it is, not archived).
    """

    def __init__(self, reason, value="", register_number=None):
        super().__init__(reason, value)
        self.reason = reason
        self.value = value
        self.register_number = register_number


class Excluded(Exception):
    """A valid row the directory must not hold (closed, a natural person...).

    ``reason`` is one of ``RegisterAdapter.EXCLUSION_REASONS``.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class RegisterAdapter:
    """One register: how to recognise its file and map a row.

    Subclasses set the class attributes and implement `parse_row`.
    """

    code = None                 # stored on the directory companies
    label = None                # the register's own name
    country_code = None
    # The industry classification of `RegisterCompany.industry_code`, a key
    # of the mapping table (data/crm.iap.lead.industry.code.csv).
    classification = "nace2"
    delimiter = ","
    # Columns without which a file is not this register's.
    required_columns = ()
    # Where the register publishes its files.
    download_url = None
    # The column of the register number, read from rows the adapter
    # excludes too: a company the file marks as gone is archived.
    number_column = None
    # The file names (a regular expression, case ignored) of the register's
    # complete product, proposed as a complete snapshot; for a register of
    # two files, those of its legal units too.
    complete_file_names = None
    complete_unit_file_names = None
    # A register published as two files (France: establishments and legal
    # units) names the columns of the second one, the legal units, joined to
    # the companies by register number (`parse_unit_row`).
    unit_required_columns = ()
    # SQL expressions on a partner `p` giving this register's number of the
    # company when its Company ID (`p.company_registry`) or its Tax ID
    # (`p.vat`) holds it exactly, else NULL: the CRM knows that company. A
    # Company ID counts only for partners of the register's country (or of
    # none); a Tax ID names its country.
    registry_number_sql = None
    vat_number_sql = None

    BAD_ROW_REASONS = ("missing_number", "bad_number", "missing_name", "bad_date", "bad_employees",
                       "duplicate_number", "missing_unit")
    EXCLUSION_REASONS = ("closed", "natural_person", "non_diffusible")

    @classmethod
    def recognises(cls, header):
        return set(cls.required_columns).issubset(header)

    @classmethod
    def missing_columns(cls, header):
        return [column for column in cls.required_columns if column not in header]

    @classmethod
    def recognises_units(cls, header):
        return bool(cls.unit_required_columns) and set(cls.unit_required_columns).issubset(header)

    def row_number(self, row):
        """The register number of a row, as given (None if it has none)."""
        return row.get(self.number_column, "").strip() or None

    def parse_row(self, row):
        """The `RegisterCompany` of a row ({column: value}), or None for a
        row that is no company of its own (a branch).

        :raise BadRow: a value is missing or malformed.
        :raise Excluded: the row must not be imported.
        """
        raise NotImplementedError

    def parse_unit_row(self, row):
        """For a register of two files: (register number, name, founded
        year, exclusion reason or None) of a row of the legal units file."""
        raise NotImplementedError
