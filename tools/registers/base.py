"""What every register adapter provides: its file's shape and a row mapper."""
import re
from collections import namedtuple

# One company of a register, in the order of the import's staging table.
# The last three are optional: `exclusion`, a reason to leave the company out
# that its other file may outrank (a register of two files); `register_status`
# and `register_status_date`, a company on its way out (see REGISTER_STATUSES).
RegisterCompany = namedtuple("RegisterCompany", [
    "register_number", "name", "street", "city", "zip", "state_name", "country_code",
    "industry_code", "employees", "domain", "founded_year", "exclusion", "register_status", "register_status_date",
], defaults=(None, None, None))

# Why a row is left out (or kept undeliverable, see REGISTER_STATUSES): a row
# is counted under the first reason of this order that applies to it, bad
# rows before all (so a natural person whose establishment is closed counts
# as a natural person).
EXCLUSION_ORDER = ("natural_person", "non_diffusible", "closed")
# The statuses of companies on their way out, kept but never delivered
# (`crm.iap.lead.directory.company.register_status`); an adapter gives a
# company with several the first, bankrupt before winding up.
REGISTER_STATUSES = ("bankrupt", "liquidation", "strike_off", "administration", "receivership", "winding_up")
# PostgreSQL's integer column.
MAX_INTEGER = 2 ** 31 - 1


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

    ``reason`` is one of ``EXCLUSION_ORDER``.
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
    # The column of the register number and its shape: a row whose number
    # has not this shape is a bad row. The number is read from rows the
    # adapter excludes too: a company the file marks as gone is archived.
    number_column = None
    number_pattern = re.compile(r"^\d{9}$")
    # {column: the longest value the register publishes}: a longer value
    # makes its row a bad row (a damaged or forged file, never a real one).
    field_lengths = {}
    # The file names (a regular expression, case ignored) of the register's
    # complete product, proposed as a complete snapshot; for a register of
    # two files, those of its legal units too.
    complete_file_names = None
    complete_unit_file_names = None
    # A register published as two files (France: establishments and legal
    # units) names the columns of the second one, the legal units, joined to
    # the companies by register number (`parse_unit_row`).
    unit_required_columns = ()
    unit_field_lengths = {}
    # SQL expressions on a partner `p` giving this register's number of the
    # company when its Company ID (`p.company_registry`) or its Tax ID
    # (`p.vat`) holds it exactly, else NULL: the CRM knows that company. A
    # Company ID counts only for partners of the register's country (or of
    # none); a Tax ID names its country. The Company ID expression is also
    # applied to leads (`crm_lead` has `company_registry` and `country_id`).
    registry_number_sql = None
    vat_number_sql = None

    BAD_ROW_REASONS = ("missing_number", "bad_number", "bad_siret", "missing_name", "bad_date", "bad_employees",
                       "nul_byte", "too_long", "too_big", "duplicate_number", "missing_unit")

    @classmethod
    def recognises(cls, header):
        return set(cls.required_columns).issubset(header)

    @classmethod
    def missing_columns(cls, header):
        return [column for column in cls.required_columns if column not in header]

    @classmethod
    def recognises_units(cls, header):
        return bool(cls.unit_required_columns) and set(cls.unit_required_columns).issubset(header)

    def read_row(self, row):
        """`parse_row` of a row whose values are first checked: a NUL byte
        or a value longer than the register publishes makes a bad row, before
        anything else is decided of it."""
        self._check_values(row, self.field_lengths, self.row_number(row))
        company = self.parse_row(row)
        if company is not None:
            for value in (company.employees, company.founded_year):
                if value is not None and not 0 <= value <= MAX_INTEGER:
                    raise BadRow("too_big", str(value), register_number=company.register_number)
        return company

    def read_unit_row(self, row):
        """`parse_unit_row` of a legal unit whose values are first checked."""
        self._check_values(row, self.unit_field_lengths, None)
        return self.parse_unit_row(row)

    def row_number(self, row):
        """The register number of the company this row is, if well formed:
        a bad row keeps it, so that its company is not archived."""
        number = row.get(self.number_column, "").strip()
        return number if self.number_pattern.match(number) else None

    @staticmethod
    def _check_values(row, lengths, number):
        for column, value in row.items():
            if "\x00" in value:
                raise BadRow("nul_byte", column, register_number=number)
            if len(value) > lengths.get(column, len(value)):
                raise BadRow("too_long", column, register_number=number)

    def parse_row(self, row):
        """The `RegisterCompany` of a row ({column: value}), or None for a
        row that is no company of its own (a branch).

        Every check that makes a bad row comes before those that exclude it.

        :raise BadRow: a value is missing or malformed.
        :raise Excluded: the row must not be imported.
        """
        raise NotImplementedError

    def parse_unit_row(self, row):
        """For a register of two files: (register number, name, founded
        year, exclusion reason or None) of a row of the legal units file.

        :raise BadRow: its number is malformed.
        """
        raise NotImplementedError
