"""What every register adapter provides: its file's shape and a row mapper."""
import re
from collections import namedtuple

# The staging columns of a company, in the order of the import's staging
# table: what an adapter's `company_sql` gives values for. `exclusion` is a
# reason to leave the company out that its other file may outrank (a
# register of two files); `register_status` and `register_status_date`, a
# company on its way out (see REGISTER_STATUSES); `phones` and `emails`,
# separated by ", "; `advertising_protected`, a company refusing advertising
# (Denmark's reklamebeskyttelse, a legal duty): imported, never delivered.
COMPANY_FIELDS = (
    "register_number", "name", "street", "city", "zip", "state_name", "country_code",
    "industry_code", "employees", "employees_max", "domain", "founded_year", "founded_date", "exclusion",
    "register_status", "register_status_date", "legal_form", "phones", "emails", "advertising_protected",
)
# The staging columns of a legal unit (a register of two files): `unit_sql`.
UNIT_FIELDS = ("register_number", "name", "founded_year", "founded_date", "exclusion", "register_status",
               "register_status_date", "legal_form",
               # Figures a second file may give (Estonia's tax file): the
               # company's own win; the revenue's currency as a code (EUR);
               # the quarter they are from (2026-Q3).
               "employees", "estimated_revenue", "revenue_currency", "figures_quarter")
# The staging columns of a row of a side file (a register published as
# several files joined by number, such as Belgium's KBO): `side_sql`, whose
# `fields` is a jsonb object of what the row tells of its company.
SIDE_FIELDS = ("register_number", "fields")
# The staging columns of a row of a file of deletions (an update extract,
# such as Belgium's daily KBO updates): `delete_sql`.
DELETE_FIELDS = ("register_number",)

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
    has one (its company is then left as it is, not archived); ``file`` the
    member of an archive the line is of, when the line number alone does
    not say it (a file of deletions of an update extract).
    """

    def __init__(self, reason, value="", register_number=None, file=None):
        super().__init__(reason, value)
        self.reason = reason
        self.value = value
        self.register_number = register_number
        self.file = file


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
    # Where the register names its file's date in the file name (a regular
    # expression giving year, month and day), e.g. Companies House's
    # BasicCompanyDataAsOneFile-2026-12-01.zip; None: asked in the form.
    file_date_pattern = None
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
    # A register published as several files joined by number (Belgium's
    # KBO, a zip of CSV members), besides the companies file: {kind: the
    # columns recognising that file}. Each row of them is staged as a jsonb
    # object of fields (`side_sql`), the objects of one company merged (the
    # first row of a field wins) and turned into its staging values by
    # `side_values`. The members of an archive that no kind recognises are
    # not read.
    side_files = {}
    # {side kind: the staging columns its rows set (`side_values`)}: an
    # update extract replaces those of the entities that kind's files list,
    # and keeps the others as the directory has them.
    side_columns = {}
    # A register of several files whose archives may be update extracts
    # (Belgium's daily KBO updates): per file, its deletions
    # (``<file>_delete.csv``, one column of numbers, named one of
    # `delete_columns`: every row of each entity listed is deleted) and its
    # insertions (``<file>_insert.csv``, the columns of the full file).
    delete_columns = ()
    # The header of the archive's member describing the extract (its kind
    # and number: `extract_info`), or () when there is none.
    meta_columns = ()

    # The second file gives figures for some companies only (Estonia's tax
    # file): a company without a row there is imported, not a bad row.
    units_optional = False
    # The SQL of a legal unit's column (its staging table, `u`) by which,
    # when a number is on several rows of the second file, the highest is
    # kept (Estonia's tax file: one row per company and year); None: the
    # number is on one row.
    unit_order = None

    # A file of one JSON object per line: the wrappers an object is read
    # from when it has them, in order (an Elasticsearch hit's "_source"...).
    json_roots = ()
    # Fields every row of a JSON file must give (not empty): a row without
    # one refuses the whole file (a legal duty such as Denmark's
    # advertising protection cannot be guessed).
    required_in_every_row = ()
    # Whether the register says which companies refuse advertising (the
    # `advertising_protected` value): the import counts them.
    advertising_protection = False

    BAD_ROW_REASONS = ("missing_number", "bad_number", "bad_siret", "missing_name", "bad_date", "bad_employees",
                       "nul_byte", "too_long", "too_big", "duplicate_number", "missing_unit", "bad_amount")

    def __init__(self, file_names=()):
        # The names of the files imported, for a register that says in a
        # file's name what its content does not (Estonia's older tax files:
        # the quarter).
        self.file_names = [name for name in file_names if name]

    @classmethod
    def recognises(cls, header):
        return set(cls.required_columns).issubset(header)

    @classmethod
    def missing_columns(cls, header):
        return [column for column in cls.required_columns if column not in header]

    @classmethod
    def recognises_units(cls, header):
        return bool(cls.unit_required_columns) and set(cls.unit_required_columns).issubset(header)

    def company_sql(self, col):
        """How a row of the companies file is read, as a `RowSql` of SQL
        expressions over its columns: ``col(name)`` is the SQL of a
        column's text ('' when the file has no such column).

        Every check that makes a bad row comes before those that exclude it.
        """
        raise NotImplementedError

    def unit_sql(self, col):
        """For a register of two files, a row of its legal units file, as a
        `RowSql` whose `values` are UNIT_FIELDS."""
        raise NotImplementedError

    def side_sql(self, kind, col):
        """A row of the side file `kind` (see `side_files`), as a `RowSql`
        whose `values` are SIDE_FIELDS (`fields`: a jsonb object)."""
        raise NotImplementedError

    def side_values(self, fields):
        """{staging column (COMPANY_FIELDS): SQL over `fields`, the jsonb
        object merged from a company's side rows}: what they set."""
        raise NotImplementedError

    def delete_sql(self, col):
        """A row of a file of deletions, as a `RowSql` whose `values` are
        DELETE_FIELDS: its `number` NULL for an entity that is none of the
        companies (skipped), its `checks` making bad rows."""
        raise NotImplementedError

    def kept_side_fields(self, kind, company):
        """SQL: a jsonb object of the fields of side kind `kind` that the
        other kinds' values depend on, from the directory company `company`
        (an alias), for an update that keeps that kind (Belgium: the seat's
        postcode, which says the name's language); None when none."""
        return None

    @classmethod
    def extract_info(cls, meta):
        """What the archive's description (`meta_columns`; {variable:
        value}) says of the extract: {"update": whether it is an update
        extract, "number": its sequence number or None}."""
        return {"update": False, "number": None}

    @classmethod
    def side_kind(cls, header):
        """The kind of side file with this header, or None."""
        return next((kind for kind, columns in cls.side_files.items() if set(columns).issubset(header)), None)


# How the rows of a file are read, in SQL (see `RegisterAdapter.company_sql`):
# - number: the row's register number when well formed, else NULL: a bad or
#   excluded row keeps it, so that its company is not archived (a bad row)
#   or is archived (an excluded one);
# - checks: ``(condition, reason, value)`` in order, the first true makes the
#   row a bad row (`BadRow` reasons; value, the SQL of what is shown);
# - exclusions: ``(condition, reason)`` in order (EXCLUSION_ORDER reasons);
# - branch: the condition of a row that is no company of its own (SQL), or
#   None;
# - values: {staging column: SQL};
# - keep: a condition on the raw columns of the rows worth staging at all,
#   or None: COPY drops the others as it reads (SIRENE's branches);
# - terms: {name: SQL} computed once per row, that the other expressions
#   use several times as ``t.<name>``.
RowSql = namedtuple("RowSql", ["number", "checks", "values", "exclusions", "branch", "keep", "terms"],
                    defaults=((), None, None, {}))


def only_chars(value, chars, length=None):
    """SQL: whether a text holds only these characters (and has this
    length): a regular expression costs several times more per row."""
    sized = f"length({value}) = {int(length)} AND " if length else ""
    return f"({sized}ltrim({value}, '{chars}') = '')"


DIGITS = "0123456789"


def digits_only(value):
    """SQL: the digits of a code such as '62.01Z' ('6201'), NULL when none."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    dropped = f"translate(upper({value}), '.- {letters}', '')"
    return (f"NULLIF(CASE WHEN ltrim({dropped}, '{DIGITS}') = '' THEN {dropped} "
            f"ELSE regexp_replace({value}, '\\D', '', 'g') END, '')")


def trimmed(value):
    """SQL: a column stripped of spaces, NULL when empty."""
    return f"NULLIF(btrim({value}), '')"


def sql_date(year, month, day):
    """SQL: the date of three integer expressions, NULL when there is none
    (31/02, month 13, year 0)."""
    made = f"(make_date({year}, {month}, 1) + ({day} - 1))"
    return (f"CASE WHEN {year} BETWEEN 1 AND 9999 AND {month} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND 31 "
            f"THEN CASE WHEN date_part('month', {made}) = {month} THEN {made} END END")


def iso_date(value):
    """SQL: a yyyy-mm-dd text (a column's) as a date, NULL unless it is one."""
    text = f"btrim({value})"
    return (f"CASE WHEN length({text}) = 10 AND substr({text}, 5, 1) = '-' AND substr({text}, 8, 1) = '-' "
            f"AND ltrim(substr({text}, 1, 4) || substr({text}, 6, 2) || substr({text}, 9), '{DIGITS}') = '' THEN "
            + sql_date(f"substr({text}, 1, 4)::int", f"substr({text}, 6, 2)::int", f"substr({text}, 9, 2)::int")
            + " END")


def day_first_date(value, separator):
    """SQL: a dd<separator>mm<separator>yyyy text (a column's) as a date,
    NULL unless it is one (digits checked before any cast)."""
    text = f"btrim({value})"
    return (f"CASE WHEN length({text}) = 10 AND substr({text}, 3, 1) = '{separator}' "
            f"AND substr({text}, 6, 1) = '{separator}' "
            f"AND ltrim(substr({text}, 1, 2) || substr({text}, 4, 2) || substr({text}, 7), '{DIGITS}') = '' THEN "
            + sql_date(f"substr({text}, 7, 4)::int", f"substr({text}, 4, 2)::int", f"substr({text}, 1, 2)::int")
            + " END")


def count_value(value):
    """SQL: a column of digits as an integer, NULL when empty; a column that
    is not digits or too big is checked before (a bad row)."""
    text = f"btrim({value})"
    return (f"CASE WHEN length({text}) BETWEEN 1 AND 10 AND ltrim({text}, '{DIGITS}') = '' THEN "
            f"CASE WHEN {text}::bigint <= {MAX_INTEGER} THEN {text}::int END END")
