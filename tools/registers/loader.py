"""Loading a register's files into the company directory, in SQL on a cursor.

A `RegisterLoader` is driven step by step by its import
(``crm.iap.lead.register.import``). No step commits: the caller decides
where a transaction ends::

    loader = RegisterLoader(cr, adapter, import_id, uid=uid, home_country_id=country_id)
    loader.create_staging()
    with loader.open(binaries):              # or open(binaries, position): go on where a run stopped
        while not loader.stage(10000).done:  # COPY the next rows into the staging tables
            ...                              # commit with `saved_state()`, stop when out of time
    loader.drop_duplicates()                 # a number twice in the file: the first row wins
    loader.apply_units()                     # a register of two files: its legal units
    while not loader.merge(limit):           # insert the new companies, update the changed ones
        ...
    loader.archive(complete)                 # what the file marks gone (a snapshot: also what it lacks)
    loader.drop_staging()

The staging tables are regular UNLOGGED tables named after the import, so
they outlive a transaction: an import committed step by step is resumed by a
new loader, given the `saved_state()` of the last committed step
(``RegisterLoader(..., state=...)``). PostgreSQL empties UNLOGGED tables
after a crash: `staging_lost` tells.

What it counts is in `counters`; the first bad rows, as ``(line, BadRow)``,
in `bad_rows` (the caller words them: its messages are translated). What
the loader needs of the environment comes in its arguments: no ORM here.
"""
import io
import itertools
from collections import Counter, namedtuple
from contextlib import ExitStack, contextmanager

from ..company_names import name_key_sql
from ..domains import normalize_domain
from ..register_files import RegisterFileError, open_register_file, open_register_reader
from . import detect_adapter
from .base import EXCLUSION_ORDER, BadRow, Excluded, RegisterCompany

MAX_LISTED_BAD_ROWS = 100
# The staging tables of an import, created empty by `create_staging` and
# dropped by `drop_staging`: {name: columns}; each is suffixed with the
# import's id (see `RegisterLoader.tables`).
STAGING_TABLES = {
    # The companies of the file; a bad row that has a number is kept,
    # skipped, so that its company is not archived; a row the file marks as
    # closed, excluded or deleted is kept, skipped and `gone`: its company
    # is archived whatever the kind of file.
    "crm_iap_register_staging": """
        line_no integer NOT NULL, skip boolean NOT NULL, gone boolean NOT NULL, register_number varchar NOT NULL,
        name varchar, street varchar, city varchar, zip varchar, state_name varchar,
        country_code varchar, industry_code varchar, employees integer, domain varchar,
        founded_year integer, exclusion varchar, register_status varchar, register_status_date date""",
    # The legal units of a register of two files (France), joined by number.
    "crm_iap_register_units": """
        register_number varchar NOT NULL, name varchar, founded_year integer, exclusion varchar,
        register_status varchar, register_status_date date""",
}
STAGING_COLUMNS = ("line_no", "skip", "gone") + RegisterCompany._fields
UNIT_COLUMNS = ("register_number", "name", "founded_year", "exclusion", "register_status", "register_status_date")
_SKIPPED_VALUES = (None,) * (len(STAGING_COLUMNS) - 4)
# Directory columns a register import writes, with the value each takes
# from the resolved row `r`. An update compares the same expressions, so a
# row that did not change is not written.
MERGED_COLUMNS = (
    ("name", "r.name"),
    ("street", "r.street"),
    ("city", "r.city"),
    ("zip", "r.zip"),
    ("state_id", "r.state_id"),
    ("country_id", "r.country_id"),
    ("industry_id", "r.industry_id"),
    ("employees", "r.employees"),
    ("domain", "r.domain"),
    ("founded_year", "r.founded_year"),
    ("register_status", "r.register_status"),
    # The register's date of the status, else the day an import first saw it.
    ("register_status_date", "COALESCE(r.register_status_date, CASE WHEN r.register_status IS NOT NULL "
                             "THEN (now() at time zone 'UTC')::date END)"),
    ("active", "TRUE"),
    ("name_key", name_key_sql("r.name")),
)
# An update keeps the day a status was first seen while it lasts.
UPDATED_VALUES = {
    "register_status_date": "COALESCE(r.register_status_date, CASE WHEN r.register_status IS NULL THEN NULL "
                            "WHEN r.register_status = d.register_status THEN d.register_status_date "
                            "ELSE (now() at time zone 'UTC')::date END)",
}
# Only some registers publish a website: one added by hand stays otherwise.
KEPT_UNLESS_GIVEN = {"domain"}

# Where the reading stands: the file being read (an index in the order
# they are staged: legal units first) and how many of its rows are read,
# what they hold staged; where the last of them ends, in bytes of the
# decompressed file and in lines (0 before the first row). Past the last
# file when every file is read.
RegisterPosition = namedtuple("RegisterPosition", ["member", "rows", "bytes", "line"], defaults=(0, 0))
# What `stage` returns: the position after it, the share of the files' bytes
# read (0 to 1), and whether every file is read to its end.
StageProgress = namedtuple("StageProgress", ["position", "fraction", "done"])


class _Member:
    """One file of an import: its reader and the staging table of its rows."""

    def __init__(self, binary, size, reader, table, columns, to_values):
        self.binary = binary
        self.size = size
        self.rows = iter(reader)
        self.table = table
        self.columns = columns
        self.reader = reader
        self.to_values = to_values   # (line, row) -> a tuple of `columns`, or None: nothing to stage
        self.read = 0                # rows of it read (and staged) so far


class RegisterLoader:
    """The SQL of one import of a register: stage its files, then merge
    and archive, one step per method (see the module's docstring).

    :param cr: the cursor every step runs on; it is never committed here.
    :param adapter: the register's `RegisterAdapter` (an instance).
    :param import_id: the import this loader works for: its staging tables
      are named after it.
    :param uid: the user written as creator and last editor.
    :param home_country_id: the register's country, for addresses in a
      country code Odoo does not know.
    :param state: the `saved_state()` of an earlier loader of the same
      import, to go on where it stopped; a new import by default.
    """

    def __init__(self, cr, adapter, import_id, *, uid, home_country_id, state=None):
        self.cr = cr
        self.adapter = adapter
        self.import_id = int(import_id)
        state = state or {}
        self.counters = Counter(state.get("counters", {}))
        self.bad_rows = [(line, BadRow(reason, value, number))
                         for line, reason, value, number in state.get("bad_rows", [])]
        # The last register number merged by `merge(limit)`, None before the first.
        self.merged_up_to = state.get("merged_up_to")
        # Where the reading stands (see `progress`), the start by default.
        self.position = RegisterPosition(*state.get("position", (0, 0)))
        self.tables = {table: f"{table}_{self.import_id}" for table in STAGING_TABLES}   # see drop_staging_tables
        self._params = {"register": adapter.code, "classification": adapter.classification, "uid": uid,
                        "home_country": home_country_id}
        self._members = []
        self._member = 0

    def saved_state(self):
        """What a later loader of the same import needs to go on from here
        (JSON): see the `state` parameter."""
        return {
            "counters": dict(self.counters), "merged_up_to": self.merged_up_to, "position": list(self.position),
            "bad_rows": [[line, bad.reason, bad.value, bad.register_number] for line, bad in self.bad_rows],
        }

    def staging_lost(self):
        """Whether rows were staged but the staging tables are gone or empty
        (PostgreSQL empties UNLOGGED tables when it recovers from a crash):
        the import must start again from its first row."""
        if not self.counters["staged_rows"]:
            return False
        self.cr.execute("SELECT to_regclass(%s)", [self.tables["crm_iap_register_staging"]])
        if not self.cr.fetchone()[0]:
            return True
        staging = self.tables["crm_iap_register_staging"]
        self.cr.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {staging})")  # pylint: disable=sql-injection  # the import's own tables (an integer id)
        return self.cr.fetchone()[0]

    # ------------------------------------------------------------------
    # Reading and staging
    # ------------------------------------------------------------------

    @contextmanager
    def open(self, binaries, position=None):
        """Open the files (binary file objects, plain, zipped or gzipped),
        tell which is which by its header and go to `position` (a
        `RegisterPosition`; by default where this loader stands, the start
        of a new import); closed on leaving.

        :raise RegisterFileError: a file is not one of this register's.
        """
        with ExitStack() as stack:
            self._members = self._sort_files([
                (binary, _size(binary),
                 open_register_reader(stack.enter_context(open_register_file(binary)), self.adapter.delimiter))
                for binary in binaries
            ])
            position = RegisterPosition(*(position or self.position))
            self._member = position.member
            if self._member < len(self._members) and position.rows:
                member = self._members[self._member]
                member.reader.resume((position.bytes, position.line))
                member.read = position.rows
            try:
                yield self
            finally:
                self._members = []

    def create_staging(self):
        """Create the staging tables, empty (dropped first if they exist):
        UNLOGGED, they cost no write-ahead log and outlive the transaction."""
        self.cr.execute("".join(
            f"DROP TABLE IF EXISTS {self.tables[table]}; CREATE UNLOGGED TABLE {self.tables[table]} ({columns});"
            for table, columns in STAGING_TABLES.items()
        ))

    def stage(self, n_rows):
        """Read the next `n_rows` rows of the files (fewer at their end) and
        COPY what they hold into the staging tables; a `StageProgress`."""
        left = n_rows
        while left > 0 and self._member < len(self._members):
            member = self._members[self._member]
            to_values = member.to_values
            chunk = io.StringIO()
            read = staged = 0
            for line, row in itertools.islice(member.rows, left):
                read += 1
                values = to_values(line, row)
                if values is not None:
                    staged += 1
                    chunk.write("\t".join(map(_copy_value, values)))
                    chunk.write("\n")
            member.read += read
            self.counters["rows_read"] += read
            if chunk.tell():
                self.counters["staged_rows"] += staged
                chunk.seek(0)
                self.cr.copy_expert(
                    f"COPY {self.tables[member.table]} ({', '.join(member.columns)}) FROM STDIN", chunk)
            if read < left:
                self._member += 1   # read to its end
            left -= read
        progress = self.progress()
        self.position = progress.position
        return progress

    def progress(self):
        """Where the reading stands, as `stage` returns it."""
        members = self._members
        if self._member >= len(members):
            return StageProgress(RegisterPosition(self._member, 0), 1.0, True)
        current = members[self._member]
        read = sum(member.size for member in members[:self._member]) + current.binary.tell()
        total = max(sum(member.size for member in members), 1)
        return StageProgress(RegisterPosition(self._member, current.read, *current.reader.position),
                             min(read / total, 1.0), False)

    def _sort_files(self, files):
        """The files, ``(binary, size, reader)``, as members in the order they
        are staged: the legal units first for a register of two files, each
        recognised by its header whatever the order they came in."""
        adapter = self.adapter
        companies = next((file for file in files if adapter.recognises(file[2].header)), None)
        if companies is None:
            self._check_header(files[0][2].header)
        members = [_Member(*companies, "crm_iap_register_staging", STAGING_COLUMNS, self._company_values)]
        if not adapter.unit_required_columns:
            return members
        units = next((file for file in files if file is not companies and adapter.recognises_units(file[2].header)),
                     None)
        if units is None:
            other = next(file for file in files if file is not companies)[2]
            raise RegisterFileError("units", line=1, detail=", ".join(
                column for column in adapter.unit_required_columns if column not in other.header))
        return [_Member(*units, "crm_iap_register_units", UNIT_COLUMNS, self._unit_values)] + members

    def _check_header(self, header):
        if self.adapter.recognises(header):
            return
        other = detect_adapter(header)
        if other and other is not type(self.adapter):
            raise RegisterFileError("register", line=1, detail=other.label)
        raise RegisterFileError("columns", line=1, detail=", ".join(self.adapter.missing_columns(header)))

    def _company_values(self, line, row):
        """The staging values of a row of the companies file, counting it."""
        try:
            company = self.adapter.read_row(row)
        except BadRow as bad:
            self.counters["bad_row_count"] += 1
            self._list_bad_row(line, bad)
            # Skipped, not gone: its company must not be archived.
            return (line, True, False, bad.register_number) + _SKIPPED_VALUES if bad.register_number else None
        except Excluded as excluded:
            self.counters[f"excluded_{excluded.reason}"] += 1
            number = self.adapter.row_number(row)
            return (line, True, True, number) + _SKIPPED_VALUES if number else None
        if company is None:
            return None   # no company of its own (a branch)
        if company.domain:
            # The dedupe compares normalised domains.
            company = company._replace(domain=normalize_domain(company.domain) or None)
        return (line, False, False) + company

    def _unit_values(self, line, row):
        try:
            return self.adapter.read_unit_row(row)
        except BadRow as bad:
            self.counters["bad_row_count"] += 1
            self._list_bad_row(line, bad)
            return None

    def _list_bad_row(self, line, bad):
        if len(self.bad_rows) < MAX_LISTED_BAD_ROWS:
            self.bad_rows.append((line, bad))

    # ------------------------------------------------------------------
    # Checking what is staged
    # ------------------------------------------------------------------

    def drop_duplicates(self):
        """A number twice in the file: the first row wins, the others are
        bad rows, counted whole and listed up to MAX_LISTED_BAD_ROWS; a row
        marking a company gone that the file also lists alive is dropped (the
        company is not archived). Return how many bad rows were dropped."""
        staging = self.tables["crm_iap_register_staging"]
        # Each row is joined to its number's first line only: a hostile file
        # of one number repeated is neither fetched whole nor joined to
        # itself row by row.
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        self.cr.execute(f"""
            CREATE INDEX ON {staging} (register_number);
            ANALYZE {staging};
            DELETE FROM {staging} s
             WHERE s.gone AND EXISTS (SELECT 1 FROM {staging} alive
                                       WHERE NOT alive.gone AND alive.register_number = s.register_number);
            WITH duplicate AS (
                DELETE FROM {staging} s
                 USING (SELECT register_number, min(line_no) AS line_no FROM {staging}
                         WHERE NOT gone GROUP BY register_number HAVING count(*) > 1) first
                 WHERE first.register_number = s.register_number AND first.line_no < s.line_no AND NOT s.gone
             RETURNING s.line_no, s.register_number
            )
            SELECT count(*), ARRAY(SELECT ARRAY[line_no::varchar, register_number] FROM duplicate
                                    ORDER BY line_no LIMIT %s)
              FROM duplicate
        """, (MAX_LISTED_BAD_ROWS,))
        count, listed = self.cr.fetchone()
        self.counters["bad_row_count"] += count
        for line, number in listed:
            self._list_bad_row(int(line), BadRow("duplicate_number", number))
        return count

    def apply_units(self):
        """A register of two files: leave out the companies whose legal unit
        is excluded (counted by reason); skip, as bad rows, those without a
        legal unit or a name. Nothing for a register of one file."""
        staging, units = self.tables["crm_iap_register_staging"], self.tables["crm_iap_register_units"]
        if not self.adapter.unit_required_columns:
            return
        cr = self.cr
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        cr.execute(f"""
            CREATE INDEX ON {units} (register_number);
            ANALYZE {units};
            WITH orphan AS (
                UPDATE {staging} s SET skip = TRUE
                 WHERE NOT s.skip AND NOT EXISTS (SELECT 1 FROM {units} u
                                                   WHERE u.register_number = s.register_number)
             RETURNING s.line_no, s.register_number
            )
            SELECT count(*), ARRAY(SELECT ARRAY[line_no::varchar, register_number] FROM orphan
                                    ORDER BY line_no LIMIT %s)
              FROM orphan
        """, (MAX_LISTED_BAD_ROWS,))
        count, listed = cr.fetchone()
        # The first reason that applies, of the legal unit's and the
        # establishment's own (EXCLUSION_ORDER). Kept, skipped and `gone`:
        # the file marks the company as gone, so it is archived.
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        cr.execute(f"""
            WITH excluded AS (
                UPDATE {staging} s SET skip = TRUE, gone = TRUE
                  FROM {units} u
                 WHERE u.register_number = s.register_number AND NOT s.skip
                   AND (u.exclusion IS NOT NULL OR s.exclusion IS NOT NULL)
             RETURNING (SELECT reason FROM unnest(ARRAY[u.exclusion, s.exclusion]) reason
                         WHERE reason IS NOT NULL
                         ORDER BY array_position(%s::varchar[], reason) LIMIT 1) AS exclusion
            )
            SELECT exclusion, count(*) FROM excluded GROUP BY exclusion
        """, (list(EXCLUSION_ORDER),))
        for reason, count_excluded in cr.fetchall():
            self.counters[f"excluded_{reason}"] += count_excluded
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        cr.execute(f"""
            WITH nameless AS (
                UPDATE {staging} s SET skip = TRUE
                  FROM {units} u
                 WHERE u.register_number = s.register_number AND NOT s.skip AND u.name IS NULL
             RETURNING s.line_no
            )
            SELECT count(*), ARRAY(SELECT line_no FROM nameless ORDER BY line_no LIMIT %s) FROM nameless
        """, (MAX_LISTED_BAD_ROWS,))
        nameless_count, nameless = cr.fetchone()
        self.counters["bad_row_count"] += count + nameless_count
        for line, bad in sorted(
            [(int(line), BadRow("missing_unit", number)) for line, number in listed]
            + [(line, BadRow("missing_name")) for line in nameless],
            key=lambda item: item[0],
        ):
            self._list_bad_row(line, bad)

    # ------------------------------------------------------------------
    # Into the directory
    # ------------------------------------------------------------------

    def merge(self, limit=None):
        """Insert the new companies and update the changed ones: the next
        `limit` staged companies in register number order (after
        `merged_up_to`), or all of them. Return whether all are merged."""
        staging, units = self.tables["crm_iap_register_staging"], self.tables["crm_iap_register_units"]
        cr = self.cr
        params = dict(self._params, after=self.merged_up_to, limit=limit)
        staged = f"SELECT * FROM {staging} s WHERE NOT s.skip"
        if limit:
            after = "" if self.merged_up_to is None else "AND s.register_number > %(after)s"
            staged = f"{staged} {after} ORDER BY s.register_number LIMIT %(limit)s"
        last = "max(register_number)" if limit else "NULL"   # where the next chunk starts
        cr.execute(f"""
            DROP TABLE IF EXISTS crm_iap_register_resolved;
            CREATE TEMP TABLE crm_iap_register_resolved ON COMMIT DROP AS
            SELECT s.register_number, COALESCE(s.name, u.name) AS name, s.street, s.city, s.zip, s.employees,
                   s.domain, COALESCE(s.founded_year, u.founded_year) AS founded_year,
                   COALESCE(country.id, %(home_country)s) AS country_id, state.id AS state_id, code.industry_id,
                   COALESCE(s.register_status, u.register_status) AS register_status,
                   CASE WHEN s.register_status IS NOT NULL THEN s.register_status_date
                        ELSE u.register_status_date END AS register_status_date,
                   s.industry_code IS NOT NULL AND code.id IS NULL AS industry_unknown
              FROM ({staged}) s
              LEFT JOIN {units} u ON u.register_number = s.register_number
              -- An address abroad in a code Odoo does not know: the register's country.
              LEFT JOIN res_country country ON country.code = s.country_code
              LEFT JOIN (SELECT country_id, lower(name) AS name, min(id) AS id
                           FROM res_country_state GROUP BY country_id, lower(name)) state
                     ON state.country_id = COALESCE(country.id, %(home_country)s) AND state.name = lower(s.state_name)
              LEFT JOIN crm_iap_lead_industry_code code
                     ON code.classification = %(classification)s AND code.code = left(s.industry_code, 2);
            CREATE INDEX ON crm_iap_register_resolved (register_number);
            ANALYZE crm_iap_register_resolved;
            SELECT count(*), count(*) FILTER (WHERE industry_unknown),
                   count(*) FILTER (WHERE register_status IS NOT NULL), {last}
              FROM crm_iap_register_resolved;
        """, params)
        resolved, unknown_industry, undeliverable, last = cr.fetchone()
        self.counters["unknown_industry_count"] += unknown_industry
        # Imported (or kept), on their way out: never delivered.
        self.counters["undeliverable_count"] += undeliverable
        columns = ", ".join(column for column, _value in MERGED_COLUMNS)
        values = ", ".join(value for _column, value in MERGED_COLUMNS)
        current = ", ".join(f"d.{column}" for column, _value in MERGED_COLUMNS)
        updated_values = ", ".join(
            f"COALESCE({value}, d.{column})" if column in KEPT_UNLESS_GIVEN else UPDATED_VALUES.get(column, value)
            for column, value in MERGED_COLUMNS
        )
        cr.execute(f"""
            UPDATE crm_iap_lead_directory_company d
               SET ({columns}, write_uid, write_date) = ({updated_values}, %(uid)s, now() at time zone 'UTC')
              FROM crm_iap_register_resolved r
             WHERE d.register_code = %(register)s AND d.register_number = r.register_number
               AND ({current}) IS DISTINCT FROM ({updated_values})
        """, params)
        updated = cr.rowcount
        cr.execute(f"""
            INSERT INTO crm_iap_lead_directory_company
                   (register_code, register_number, {columns}, delivery_count,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(register)s, r.register_number, {values}, 0,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM crm_iap_register_resolved r
             WHERE NOT EXISTS (SELECT 1 FROM crm_iap_lead_directory_company d
                                WHERE d.register_code = %(register)s AND d.register_number = r.register_number)
        """, params)
        imported = cr.rowcount
        cr.execute("DROP TABLE crm_iap_register_resolved")
        self.counters["updated_count"] += updated
        self.counters["imported_count"] += imported
        self.counters["unchanged_count"] += resolved - imported - updated
        if last is not None:
            self.merged_up_to = last
        return not limit or resolved < limit

    def count_archived(self, complete):
        """``(to archive, active)``: how many active companies of the register
        `archive(complete)` would archive, and how many are active."""
        self.cr.execute(f"""
            SELECT count(*) FILTER (WHERE {self._archived_condition(complete)}), count(*)
              FROM crm_iap_lead_directory_company d
             WHERE d.register_code = %(register)s AND d.active
        """, self._params)
        return self.cr.fetchone()

    def archive(self, complete):
        """Archive the active companies of the register that the file marks
        as closed, excluded or deleted; for a complete snapshot
        (`complete`), also those it does not list at all (dissolved).
        Archived, never deleted, so their delivery history stays. Return how
        many."""
        self.cr.execute(f"""
            UPDATE crm_iap_lead_directory_company d
               SET active = FALSE, write_uid = %(uid)s, write_date = now() at time zone 'UTC'
             WHERE d.register_code = %(register)s AND d.active AND {self._archived_condition(complete)}
        """, self._params)
        self.counters["archived_count"] += self.cr.rowcount
        return self.cr.rowcount

    def _archived_condition(self, complete):
        """Whether the directory company `d` is archived by this file: a
        partial file archives only what it marks as gone, a complete one
        everything it does not list alive."""
        staging = self.tables["crm_iap_register_staging"]
        if complete:
            return f"""NOT EXISTS (SELECT 1 FROM {staging} s
                                    WHERE s.register_number = d.register_number AND NOT s.gone)"""
        return f"EXISTS (SELECT 1 FROM {staging} s WHERE s.register_number = d.register_number AND s.gone)"

    def drop_staging(self):
        """Drop the staging tables (the last step)."""
        drop_staging_tables(self.cr, self.import_id)


def drop_staging_tables(cr, import_id):
    """Drop the staging tables of an import, if it has any."""
    cr.execute("".join(f"DROP TABLE IF EXISTS {table}_{int(import_id)};" for table in STAGING_TABLES))


def _size(binary):
    """The size in bytes of a seekable binary file, left at its start."""
    size = binary.seek(0, io.SEEK_END)
    binary.seek(0)
    return size


def _copy_value(value):
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)
