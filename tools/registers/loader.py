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
    loader.apply_sides()                     # a register of several files: its side files (an update's deletions)
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
import functools
import hashlib
import io
import os
import re
import threading
import time
from collections import Counter, namedtuple
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import psycopg2

from ..company_names import name_key_sql
from ..register_files import (
    RegisterCsvReader, RegisterFileError, archive_members, open_register_file, open_register_reader,
)
from . import detect_adapter
from .base import COMPANY_FIELDS, DELETE_FIELDS, EXCLUSION_ORDER, SIDE_FIELDS, UNIT_FIELDS, BadRow

MAX_LISTED_BAD_ROWS = 100
# The most bytes of a file read, checked and staged at once: memory stays
# flat whatever the file's size.
BLOCK_BYTES = 16 << 20
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
        country_code varchar, industry_code varchar, employees integer, employees_max integer, domain varchar,
        founded_year integer, founded_date date, exclusion varchar, register_status varchar,
        register_status_date date, legal_form varchar, phones varchar, emails varchar, advertising_protected boolean,
        row_hash bigint, unchanged boolean NOT NULL DEFAULT FALSE""",
    # The legal units of a register of two files (France), joined by number.
    "crm_iap_register_units": """
        register_number varchar NOT NULL, name varchar, founded_year integer, founded_date date,
        exclusion varchar, register_status varchar, register_status_date date, legal_form varchar,
        employees integer, estimated_revenue numeric, revenue_currency varchar, figures_quarter varchar""",
    # The rows of the side files of a register of several files (Belgium),
    # joined by number: what each tells of its company (see `apply_sides`).
    # `kind`: the side file's kind (see `RegisterAdapter.side_files`).
    "crm_iap_register_sides": """register_number varchar NOT NULL, line_no integer NOT NULL, fields jsonb,
                                 kind varchar""",
    # The entities an update extract deletes the rows of, per kind of file
    # ("companies" or a side kind), before inserting their current rows.
    "crm_iap_register_deletes": """register_number varchar NOT NULL, kind varchar NOT NULL, line_no integer NOT NULL""",
}
# The members of an update extract (see `RegisterAdapter.delete_columns`):
# ``<file>_delete.csv`` and ``<file>_insert.csv``.
UPDATE_MEMBER = re.compile(r"^(.*)_(delete|insert)\.csv$", re.IGNORECASE)
# The rows of one block of a file, as read (text columns c0, c1...), before
# they are checked and staged: a temporary table of the session, dropped
# after each block.
RAW_TABLE = "pg_temp.crm_iap_register_raw"
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
    ("industry_code", "r.industry_code"),
    ("employees", "r.employees"),
    ("employees_max", "r.employees_max"),
    ("domain", "r.domain"),
    ("founded_year", "r.founded_year"),
    ("founded_date", "r.founded_date"),
    ("legal_form", "r.legal_form"),
    ("register_status", "r.register_status"),
    # The register's date of the status, else the day an import first saw it.
    ("register_status_date", "COALESCE(r.register_status_date, CASE WHEN r.register_status IS NOT NULL "
                             "THEN (now() at time zone 'UTC')::date END)"),
    ("active", "TRUE"),
    ("name_key", name_key_sql("r.name")),
    # What an unchanged row of the next file is recognised by (see _RowQuery).
    ("register_hash", "r.row_hash"),
    ("phones", "r.phones"),
    ("emails", "r.emails"),
    # The figures of a register's second file (Estonia's tax file).
    ("estimated_revenue", "r.estimated_revenue"),
    ("revenue_currency_id", "r.revenue_currency_id"),
    ("figures_quarter", "r.figures_quarter"),
    # Never delivered (the directory's picking leaves it out), a legal duty.
    ("advertising_protected", "COALESCE(r.advertising_protected, FALSE)"),
)
# Written, not compared: a row read from columns of another shape is the
# same company (and a database upgraded to these columns has none yet).
NOT_COMPARED = {"register_hash", "industry_code"}
# An update keeps the day a status was first seen while it lasts.
UPDATED_VALUES = {
    "register_status_date": "COALESCE(r.register_status_date, CASE WHEN r.register_status IS NULL THEN NULL "
                            "WHEN r.register_status = d.register_status THEN d.register_status_date "
                            "ELSE (now() at time zone 'UTC')::date END)",
}
# Only some registers publish a website, phones or e-mails: one added by
# hand stays otherwise; so do a revenue and its quarter (and the quarter's
# figures of a company the latest tax file no longer lists: its quarter
# says how old they are).
KEPT_UNLESS_GIVEN = {"domain", "phones", "emails", "estimated_revenue", "revenue_currency_id", "figures_quarter"}
# The staging values of a directory company `d` (its country and state
# joined), as the merge resolves them again: an entity an update extract
# changes only in part is staged from them.
DIRECTORY_VALUES = {
    "name": "d.name", "street": "d.street", "city": "d.city", "zip": "d.zip", "state_name": "state.name",
    "country_code": "country.code", "industry_code": "d.industry_code", "employees": "d.employees",
    "employees_max": "d.employees_max", "domain": "d.domain", "founded_year": "d.founded_year",
    "founded_date": "d.founded_date", "register_status": "d.register_status",
    "register_status_date": "d.register_status_date", "legal_form": "d.legal_form", "phones": "d.phones",
    "emails": "d.emails", "advertising_protected": "d.advertising_protected",
}
# The phases `timings` measures, in seconds (see `RegisterLoader.timings`).
# "watch": the alerts the import raises after (its model's last steps).
PHASES = ("read", "copy", "check", "duplicates", "merge", "archive", "watch")
# What an import records of each company it changes (`events_date`), in the
# directory's events table: the kind, the value before and after, compared
# as the update compares them (the directory company `d` before, the
# resolved row `r`). New and gone companies are recorded as they are
# inserted and archived.
EVENT_TABLE = "crm_iap_lead_directory_event"
EVENT_CHANGES = (
    ("name", "d.name", "r.name", "d.name IS DISTINCT FROM r.name"),
    ("address", "concat_ws(', ', d.street, d.zip, d.city)", "concat_ws(', ', r.street, r.zip, r.city)",
     "(d.street, d.zip, d.city) IS DISTINCT FROM (r.street, r.zip, r.city)"),
    ("industry", "(SELECT i.name->>'en_US' FROM crm_iap_lead_industry i WHERE i.id = d.industry_id)",
     "(SELECT i.name->>'en_US' FROM crm_iap_lead_industry i WHERE i.id = r.industry_id)",
     "d.industry_id IS DISTINCT FROM r.industry_id"),
    ("status", "d.register_status", "r.register_status", "d.register_status IS DISTINCT FROM r.register_status"),
    # Archived and listed again (a company restored to the register).
    ("back", "NULL", "r.name", "NOT d.active"),
)

# Where the reading stands: the file being read (an index in the order
# they are staged: legal units first) and how many of its rows are read,
# what they hold staged; where the last of them ends, in bytes of the
# decompressed file and in lines (0 before the first row). Past the last
# file when every file is read.
RegisterPosition = namedtuple("RegisterPosition", ["member", "rows", "bytes", "line"], defaults=(0, 0))
# What `stage` returns: the position after it, the share of the files' bytes
# read (0 to 1), and whether every file is read to its end.
StageProgress = namedtuple("StageProgress", ["position", "fraction", "done"])


# A file opened by `RegisterLoader.open`: the member of an archive has its `name`.
_File = namedtuple("_File", ["binary", "size", "reader", "name"])


class _Member:
    """One file of an import: its reader and what its rows are staged as
    (`kind`: "companies", "units", "side:<kind>" or "delete:<kind>")."""

    def __init__(self, file, kind):
        self.binary = file.binary
        self.size = file.size
        self.reader = file.reader
        self.name = file.name
        self.rows = iter(file.reader) if not isinstance(file.reader, RegisterCsvReader) else None   # a JSON file
        self.kind = kind
        self.read = 0                # rows of it read (and staged) so far
        # A JSON file is read ahead (`_ElementBatch`): where its staged
        # elements end, ``(reader position, bytes of the file read)``, once
        # the reader is further.
        self.staged_at = None
        self.ahead = None            # the next batch being read (a future), and its size


# The next elements of a JSON file, as the text of a COPY (bytes): `first_line`,
# how many (`rows`), `text`, and where they end (`staged_at`, as
# `_Member.staged_at`).
_ElementBatch = namedtuple("_ElementBatch", ["first_line", "rows", "text", "staged_at"])


def _phase(phase):
    """Count the time of a loader's method in its `timings` under `phase`."""
    def decorate(method):
        @functools.wraps(method)
        def timed(self, *args, **kwargs):
            with self._timed(phase):
                return method(self, *args, **kwargs)
        return timed
    return decorate


class _ArchiveMember:
    """How far a member of an archive of several is read (`tell`, in bytes
    decompressed), as `_Member.binary` for its progress."""

    def __init__(self, text):
        self._text = text

    def tell(self):
        return self._text.bytes_read


class _NotOneRowPerLine(Exception):
    """A block whose rows COPY counted are not its lines."""


class _RowQuery:
    """The SQL reading the raw rows of one file (a `RowSql` of its adapter,
    completed by the checks of every register): `select`, over the raw
    table `r`, gives each row's `number`, `bad` reason and `bad_value`,
    `excluded` reason, `branch` and the staging values; `keep`, the COPY
    filter. `columns` are the raw table's text columns, `names` the file's
    columns they hold."""

    def __init__(self, adapter, kind, reader, salt=None):
        header = getattr(reader, "header", [])
        self.csv = isinstance(reader, RegisterCsvReader)
        # A CSV's raw columns are all of its columns (COPY reads them all); a
        # JSON file's, those the adapter reads.
        self.names = list(header) if self.csv else []
        index = {name: position for position, name in enumerate(self.names)}   # the last of a name repeated
        lengths = adapter.field_lengths if kind == "companies" else adapter.unit_field_lengths
        read = adapter.company_sql if kind == "companies" else adapter.unit_sql
        if kind.startswith("side:"):
            lengths = {}
            read = functools.partial(adapter.side_sql, kind[len("side:"):])
        elif kind.startswith("delete:"):
            lengths = {}
            read = adapter.delete_sql

        used = set()

        def column(prefix):
            def col(name):
                if name not in index:
                    if self.csv:
                        return "''::text"
                    index[name] = len(self.names)
                    self.names.append(name)
                used.add(index[name])
                return f"{prefix}c{index[name]}"
            return col

        col = column("t.")
        # A long value is rare: its characters are counted only when its
        # bytes (at least as many) are over.
        lengths_in_file = sorted((item for item in lengths.items() if item[0] in index or not self.csv),
                                 key=lambda item: index.get(item[0], len(index)))
        over = " OR ".join(f"octet_length({col(name)}) > {int(length)}" for name, length in lengths_in_file)
        length_checks = [(f"t.over_long AND length({col(name)}) > {int(length)}", "too_long", _literal(name))
                         for name, length in lengths_in_file]
        row = read(col)
        row = row._replace(terms=dict(row.terms, over_long=over or "FALSE"))
        checks = [("t.nul_column IS NOT NULL", "nul_byte", "t.nul_column")] + length_checks + list(row.checks)
        types = dict.fromkeys(("employees", "employees_max", "founded_year"), "integer")
        types.update(dict.fromkeys(("founded_date", "register_status_date"), "date"), fields="jsonb",
                     estimated_revenue="numeric", advertising_protected="boolean")
        fields = {"companies": COMPANY_FIELDS, "units": UNIT_FIELDS}.get(
            kind, DELETE_FIELDS if kind.startswith("delete:") else SIDE_FIELDS)
        # The terms an adapter uses several times, computed once per row (the
        # OFFSET 0 keeps PostgreSQL from copying them into each use); the
        # first check that fails, by its index, then its reason and value.
        # A row of a register of one file whose columns are those of an
        # active company last imported (the same hash of its columns, the
        # same SQL, the same mappings: `salt`) is unchanged: only its number
        # is staged, nothing of it checked or merged again.
        self.hash = None
        known = "FALSE"
        join = ""
        if salt and kind == "companies" and not adapter.unit_required_columns and not adapter.side_files:
            salt = hashlib.md5(f"{salt}{row!r}".encode()).hexdigest()
            # 64 bits: a changed row taken for unchanged is a chance in 10^19.
            # (A value that held a NUL byte names its column: never unchanged.)
            self.hash = "hashtextextended(concat_ws(E'\\x1f', {}, t.nul_column, {}), 0)".format(
                _literal(salt), ", ".join(f"t.c{position}" for position in sorted(used)))
            known = "d.id IS NOT NULL"
            # One look-up in the register number's index per row (a block is
            # a sliver of the register: a join would read all of it).
            join = f"""LEFT JOIN LATERAL (
                                 SELECT d.id, d.register_number, d.register_status,
                                        CASE WHEN d.industry_id IS NULL THEN d.industry_code END AS industry_code
                                   FROM crm_iap_lead_directory_company d
                                  WHERE d.register_code = {_literal(adapter.code)}
                                    AND d.register_number = btrim({col(adapter.number_column)}) AND d.active
                                    AND d.register_hash = t.row_hash
                                  LIMIT 1) d ON TRUE"""
        terms = "".join(f", CASE WHEN NOT ({known}) THEN {sql} END AS {name}" for name, sql in row.terms.items())

        def unless_known(sql):
            return f"CASE WHEN NOT t.unchanged THEN {sql} END"

        # An unchanged row keeps what is counted of it: its status, and an
        # industry code the mapping does not know.
        known_values = {"register_status": "t.known_status", "industry_code": "t.known_industry_code"}
        values = {field: f"COALESCE({known}, {unless_known(row.values.get(field, 'NULL'))})"
                  for field, known in known_values.items()}
        values.update({field: unless_known(sql) for field, sql in row.values.items() if field not in values})
        self.select = f"""
            SELECT t.line_no, CASE WHEN t.unchanged THEN t.known_number ELSE {row.number} END AS number,
                   (ARRAY[{", ".join(f"'{reason}'" for _condition, reason, _value in checks)}]::varchar[])[t.bad] AS bad,
                   CASE t.bad {" ".join(f"WHEN {index} THEN {value}"
                                        for index, (_condition, _reason, value) in enumerate(checks, 1))} END AS bad_value,
                   {unless_known("CASE " + " ".join(f"WHEN {condition} THEN '{reason}'" for condition, reason in row.exclusions)
                                 + " END") if row.exclusions else "NULL::varchar"} AS excluded,
                   {unless_known(row.branch) if row.branch else "FALSE"} AS branch,
                   {", ".join(f"({values[field]})::{types.get(field, 'varchar')} AS {field}"
                              if field in values else f"NULL::{types.get(field, 'varchar')} AS {field}"
                              for field in fields)},
                   t.unchanged, {"t.row_hash" if self.hash else "NULL::bigint"} AS row_hash
              FROM (SELECT t.*, CASE WHEN t.unchanged THEN NULL {" ".join(
                        f"WHEN {condition} THEN {index}" for index, (condition, _reason, _value) in enumerate(checks, 1))}
                                END AS bad
                      FROM (SELECT t.line_no, t.nul_column{"".join(f", t.c{position}" for position in sorted(used))},
                                   {"t.row_hash, " if self.hash else ""}{known} AS unchanged,
                                   {"d.register_number" if self.hash else "NULL"} AS known_number,
                                   {"d.register_status" if self.hash else "NULL"} AS known_status,
                                   {"d.industry_code" if self.hash else "NULL"} AS known_industry_code{terms}
                              FROM {f"(SELECT t.*, {self.hash} AS row_hash FROM {RAW_TABLE} t OFFSET 0)"
                                    if self.hash else RAW_TABLE} t {join} OFFSET 0) t
                    OFFSET 0) t"""
        self.keep = None
        if row.keep:
            # COPY's filter names the columns bare, and keeps the rows with
            # a value too long (bad rows).
            bare = column("")
            self.keep = " OR ".join([f"({read(bare).keep})"] + [
                f"length({bare(name)}) > {int(length)}" for name, length in lengths.items() if name in index])
        self.columns = ", ".join(f"c{position}" for position in range(len(self.names)))


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
    :param events_date: the date of the file, to record what the import
      changes as events of that date (EVENT_TABLE); None records none. A
      register's first import records none either.
    """

    def __init__(self, cr, adapter, import_id, *, uid, home_country_id, state=None, events_date=None):
        self.cr = cr
        self.adapter = adapter
        self.import_id = int(import_id)
        state = state or {}
        self.counters = Counter(state.get("counters", {}))
        # (A state saved before bad rows named their file has 4 items each.)
        self.bad_rows = [(line, BadRow(reason, value, number, *file))
                         for line, reason, value, number, *file in state.get("bad_rows", [])]
        # What the archive's description says of the extract (`RegisterAdapter.extract_info`):
        # whether it is an update, its number.
        self.extract = state.get("extract", {})
        # The last register number merged by `merge(limit)`, None before the first.
        self.merged_up_to = state.get("merged_up_to")
        # Whether the register had no company when the merge began (see `drop_duplicates`).
        self.first_import = state.get("first_import", False)
        # Where the reading stands (see `progress`), the start by default.
        self.position = RegisterPosition(*state.get("position", (0, 0)))
        self.tables = {table: f"{table}_{self.import_id}" for table in STAGING_TABLES}   # see drop_staging_tables
        # Seconds spent per phase (PHASES), over every run of the import.
        self.timings = Counter(state.get("timings", {}))
        self.events_date = events_date
        self._params = {"register": adapter.code, "classification": adapter.classification, "uid": uid,
                        "home_country": home_country_id, "import_id": self.import_id, "events_date": events_date}
        self._members = []
        self._member = 0

    def saved_state(self):
        """What a later loader of the same import needs to go on from here
        (JSON): see the `state` parameter."""
        return {
            "counters": dict(self.counters), "merged_up_to": self.merged_up_to, "position": list(self.position),
            "timings": {phase: round(seconds, 3) for phase, seconds in self.timings.items()},
            "first_import": self.first_import, "extract": self.extract,
            "bad_rows": [[line, bad.reason, bad.value, bad.register_number] + ([bad.file] if bad.file else [])
                         for line, bad in self.bad_rows],
        }

    @property
    def is_update(self):
        """Whether the files are an update extract (deletions and insertions):
        never a complete snapshot."""
        return bool(self.extract.get("update"))

    @property
    def records_events(self):
        """Whether the merge and the archive record events."""
        return bool(self.events_date) and not self.first_import

    def _recording(self, sql, company, old, new):
        """`sql`, a statement ending in ``RETURNING`` the columns the event
        needs, made to record one event of each row it returns: `company`
        (its id), `old` and `new` (values), of the kind ``kind``."""
        return f"""
            WITH changed AS ({sql})
            INSERT INTO {EVENT_TABLE} (company_id, import_id, kind, old_value, new_value, event_date,
                                       create_uid, create_date, write_uid, write_date)
            SELECT {company}, %(import_id)s, kind, {old}, {new}, %(events_date)s,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM changed"""

    @contextmanager
    def _timed(self, phase):
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[phase] += time.monotonic() - started

    @contextmanager
    def _by_index(self):
        """Plan the statements inside with index look-ups into the directory:
        its statistics lag behind an import that fills it (none yet on a
        first import), and a hash join would read all of it for each block or
        chunk. Undone with the savepoint of a step that fails. No JIT: the
        costs that steer the plan would make PostgreSQL compile each
        statement (a fifth of a second each time)."""
        self.cr.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; "
                        "SET LOCAL enable_mergejoin = off; SET LOCAL jit = off")
        yield
        self.cr.execute("RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin; RESET jit")

    def staging_lost(self):
        """Whether rows were staged but the staging tables are gone or all
        empty (PostgreSQL empties UNLOGGED tables when it recovers from a
        crash): the import must start again from its first row. (Rows may
        be staged in one table only: an update extract changing names only,
        SIRENE's legal units read before the establishments.)"""
        if not self.counters["staged_rows"]:
            return False
        tables = list(self.tables.values())
        self.cr.execute("SELECT bool_and(to_regclass(t) IS NOT NULL) FROM unnest(%s::text[]) AS t", [tables])
        if not self.cr.fetchone()[0]:
            return True
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        self.cr.execute(f"SELECT {' AND '.join(f'NOT EXISTS (SELECT 1 FROM {table})' for table in tables)}")
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
            files = []
            for binary in binaries:
                size = _size(binary)
                names = archive_members(binary) if self.adapter.side_files else None
                for name in names or [None]:
                    binary.seek(0)   # opening a member moved it
                    text = stack.enter_context(open_register_file(binary, name))
                    reader = open_register_reader(text, self.adapter.delimiter, self.adapter.json_roots)
                    # A member of an archive of several: read as far as its decompressed bytes.
                    files.append(_File(_ArchiveMember(text), names[name], reader, name) if names
                                 else _File(binary, size, reader, None))
            self._members = self._sort_files(files)
            position = RegisterPosition(*(position or self.position))
            self._member = position.member
            if self._member < len(self._members) and position.rows:
                member = self._members[self._member]
                member.reader.resume((position.bytes, position.line))
                member.read = position.rows
            # One thread reads JSON ahead while PostgreSQL checks what it read before.
            self._reading_ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="register-read")
            self._stop_reading = threading.Event()
            try:
                yield self
            finally:
                self._stop_reading.set()
                self._reading_ahead.shutdown(wait=True)   # before the files close
                self._members = []

    def create_staging(self):
        """Create the staging tables, empty (dropped first if they exist):
        UNLOGGED, they cost no write-ahead log and outlive the transaction."""
        self.cr.execute("".join(
            f"DROP TABLE IF EXISTS {self.tables[table]}; CREATE UNLOGGED TABLE {self.tables[table]} ({columns});"
            for table, columns in STAGING_TABLES.items()
        ))

    def stage(self, size):
        """Read about `size` bytes of the files (whole rows, at least one;
        fewer at their end), check them and stage what they hold; a
        `StageProgress`."""
        left = size
        while left > 0 and self._member < len(self._members):
            member = self._members[self._member]
            start = self._reader_position(member)[0]
            if member.rows is None:
                started = time.monotonic()
                block = member.reader.read_block(min(left, BLOCK_BYTES))
                self.timings["read"] += time.monotonic() - started
                if block is None:
                    self._member += 1   # read to its end
                    continue
                self._stage_block(member, block)
            elif not self._stage_elements(member, left):
                self._member += 1
                continue
            left -= max(self._reader_position(member)[0] - start, 1)
        progress = self.progress()
        self.position = progress.position
        return progress

    def _stage_block(self, member, block):
        """COPY a block of CSV rows as PostgreSQL parses them; a block it
        refuses (a NUL byte, a line end inside quotes, a damaged row...) is
        parsed here, row by row, and says what is wrong with it."""
        sql = self._row_sql(member)
        started = time.monotonic()
        rows = None
        if b"\x00" not in block.data:
            cr = self.cr
            try:
                with cr.savepoint(flush=False):
                    self._create_raw(sql, block.first_line)
                    keep = f"WHERE {sql.keep}" if sql.keep else ""
                    cr.copy_expert(
                        f"COPY {RAW_TABLE} ({sql.columns}) FROM STDIN WITH (FORMAT csv, DELIMITER %s, "
                        f"FORCE_NOT_NULL ({sql.columns})) {keep}" % _literal(member.reader.delimiter),
                        io.BytesIO(block.data), size=1 << 20)
                    # pylint: disable-next=sql-injection  # a constant name
                    cr.execute(f"SELECT pg_sequence_last_value(pg_get_serial_sequence('{RAW_TABLE}', 'line_no'))")
                    last = cr.fetchone()[0]
                    rows = last - block.first_line + 1 if last is not None else 0
                    if rows != block.lines:
                        # A line end inside quotes, or an empty line: its
                        # lines are not its rows; parsed here.
                        raise _NotOneRowPerLine()
            except (psycopg2.DataError, _NotOneRowPerLine):
                rows = None
        if rows is None:
            rows = self._copy_rows(sql, block.first_line, (
                (line, dict(zip(member.reader.header, values)))
                for line, values in member.reader.block_rows(block)))
        self.timings["copy"] += time.monotonic() - started
        member.read += rows
        self.counters["rows_read"] += rows
        self._check_raw(member, sql)

    def _stage_elements(self, member, size):
        """Stage the next elements of a JSON file, about `size` bytes of it;
        False at its end. Decoding JSON is Python's work: the next elements
        are read in a thread meanwhile (a batch of the same size: another
        size reads again from where the staged elements end)."""
        sql = self._row_sql(member)
        started = time.monotonic()
        batch = None
        if member.ahead is not None:
            ahead, ahead_size = member.ahead
            member.ahead = None
            if ahead_size == size:
                batch = ahead.result()
            else:
                ahead.cancel() or ahead.exception()   # waited for, its error (if any) dropped
                member.reader.resume(member.staged_at[0])
                member.rows = iter(member.reader)
                batch = self._read_elements(member, sql, size)
        else:
            batch = self._read_elements(member, sql, size)
        self.timings["read"] += time.monotonic() - started
        if batch is None:
            return False
        member.staged_at = batch.staged_at
        member.ahead = (self._reading_ahead.submit(self._read_elements, member, sql, size), size)
        started = time.monotonic()
        self._create_raw(sql, batch.first_line)
        # One read: each takes the interpreter's lock back from the reading thread.
        self.cr.copy_expert(f"COPY {RAW_TABLE} (line_no, nul_column, {sql.columns}) FROM STDIN",
                            io.BytesIO(batch.text), size=len(batch.text) + 1)
        self.timings["copy"] += time.monotonic() - started
        member.read += batch.rows
        self.counters["rows_read"] += batch.rows
        self._check_raw(member, sql)
        return True

    def _read_elements(self, member, sql, size):
        """The next elements of a JSON file, about `size` bytes of it, as an
        `_ElementBatch`; None at its end. Runs in the reading thread: the
        file and its reader only, no cursor."""
        reader = member.reader
        start = reader.position[0]
        required = self.adapter.required_in_every_row
        text = io.StringIO()
        rows, first_line = 0, None
        for element in member.rows:
            missing = next((field for field in required if element[1][field] == ""), None)
            if missing:
                # A legal duty the file cannot be trusted with: nothing of it is imported.
                raise RegisterFileError("field", line=element[0], detail=missing)
            first_line = first_line or element[0]
            rows += 1
            _write_copy_row(text, sql.names, *element)
            if reader.position[0] - start >= size or self._stop_reading.is_set():
                break
        if not rows:
            return None
        # Encoded here, in the thread: COPY reads it at once.
        return _ElementBatch(first_line, rows, text.getvalue().encode("utf-8"),
                             (reader.position, member.binary.tell()))

    @staticmethod
    def _reader_position(member):
        """Where the staged rows of a member end: ``(bytes, line)``."""
        return member.staged_at[0] if member.staged_at else member.reader.position

    def _create_raw(self, sql, first_line):
        # pylint: disable-next=sql-injection  # column names c0, c1... and an integer
        self.cr.execute(f"""
            DROP TABLE IF EXISTS {RAW_TABLE};
            CREATE TEMP TABLE crm_iap_register_raw (
                line_no integer GENERATED BY DEFAULT AS IDENTITY (START WITH {int(first_line)}),
                nul_column text, {", ".join(f"{column} text" for column in sql.columns.split(", "))})
        """)

    def _copy_rows(self, sql, first_line, rows):
        """COPY rows parsed here, ``(line, {column: value})``, into the raw
        table; a value with a NUL byte (PostgreSQL's text cannot hold one)
        is dropped, and its column named for the checks. Return how many."""
        self._create_raw(sql, first_line)
        chunk = io.StringIO()
        count = 0
        for line, row in rows:
            count += 1
            _write_copy_row(chunk, sql.names, line, row)
        chunk.seek(0)
        self.cr.copy_expert(f"COPY {RAW_TABLE} (line_no, nul_column, {sql.columns}) FROM STDIN", chunk)
        return count

    def _row_sql(self, member):
        """The SQL reading the raw rows of a member (`_RowQuery`), built once
        per member: its columns are the file's."""
        query = getattr(member, "query", None)
        if query is None:
            query = member.query = _RowQuery(self.adapter, member.kind, member.reader, self._hash_salt())
            if hasattr(member.reader, "select"):   # JSON lines: only what is read
                member.reader.select(query.names + list(self.adapter.required_in_every_row))
        return query

    def _hash_salt(self):
        """What the hash of an unchanged row depends on besides its columns:
        the mappings its values are resolved with (and the code's SQL, added
        by `_RowQuery`)."""
        self.cr.execute("""
            SELECT md5(concat_ws('|', %(home_country)s,
                       (SELECT string_agg(concat_ws(',', classification, code, industry_id), ';' ORDER BY id)
                          FROM crm_iap_lead_industry_code),
                       (SELECT concat_ws(',', count(*), max(id), max(write_date)) FROM res_country_state),
                       (SELECT concat_ws(',', count(*), max(id), max(write_date)) FROM res_country)))
        """, self._params)
        return self.cr.fetchone()[0]

    def _check_raw(self, member, sql):
        """Check the rows of the raw table and stage them (companies or
        legal units), counting the bad and the excluded; drop the table."""
        started = time.monotonic()
        kind, _sep, of_kind = member.kind.partition(":")
        target = self.tables[{"companies": "crm_iap_register_staging", "units": "crm_iap_register_units",
                              "delete": "crm_iap_register_deletes"}.get(kind, "crm_iap_register_sides")]
        fields = {"companies": COMPANY_FIELDS, "units": UNIT_FIELDS, "delete": DELETE_FIELDS}.get(kind, SIDE_FIELDS)
        if member.kind == "companies":
            # A bad row with a number: kept, skipped, so that its company is
            # not archived; an excluded one: kept, skipped and gone.
            insert = f"""
                INSERT INTO {target} (line_no, skip, gone, {", ".join(fields)}, row_hash, unchanged)
                SELECT line_no, bad IS NOT NULL OR excluded IS NOT NULL, bad IS NULL AND excluded IS NOT NULL,
                       number, {", ".join(f"CASE WHEN bad IS NULL AND excluded IS NULL THEN {field} END"
                                          for field in fields[1:])}, row_hash, unchanged
                  FROM p
                 WHERE CASE WHEN bad IS NULL AND excluded IS NULL THEN NOT branch ELSE number IS NOT NULL END"""
        elif member.kind == "units":
            # A legal unit without a number is none of the register's (COPY's
            # `keep` drops it as it reads, a row parsed here is dropped now).
            insert = (f"INSERT INTO {target} ({', '.join(fields)}) SELECT {', '.join(fields)} FROM p "
                      "WHERE bad IS NULL AND number IS NOT NULL")
        else:   # a side file (what its rows tell of their company, in the order of the file), or deletions
            insert = f"""INSERT INTO {target} (line_no, kind, {', '.join(fields)})
                         SELECT line_no, {_literal(of_kind)}, {', '.join(fields)} FROM p
                          WHERE bad IS NULL AND number IS NOT NULL"""
        with self._by_index():
            # pylint: disable-next=sql-injection  # the adapter's own SQL and the import's tables
            self.cr.execute(f"""
            WITH p AS MATERIALIZED ({sql.select}),
            staged AS ({insert} RETURNING 1)
            SELECT (SELECT count(*) FROM staged),
                   ARRAY(SELECT ARRAY[reason, count(*)::varchar]
                           FROM (SELECT CASE WHEN bad IS NOT NULL THEN 'bad' ELSE 'excluded_' || excluded END
                                   FROM p WHERE bad IS NOT NULL OR excluded IS NOT NULL) AS counted (reason)
                          GROUP BY reason),
                   ARRAY(SELECT ARRAY[line_no::varchar, bad, bad_value, number] FROM p
                          WHERE bad IS NOT NULL ORDER BY line_no LIMIT %s)
            """, [MAX_LISTED_BAD_ROWS - len(self.bad_rows)])
            staged, counts, listed = self.cr.fetchone()
        self.cr.execute(f"DROP TABLE {RAW_TABLE}")  # pylint: disable=sql-injection  # a constant name
        self.counters["staged_rows"] += staged
        for key, count in counts:
            self.counters["bad_row_count" if key == "bad" else key] += int(count)
        # A line of a file of deletions: which file is said.
        file = member.name if kind == "delete" else None
        for line, reason, value, number in listed:
            self._list_bad_row(int(line), BadRow(reason, value, number, file))
        self.timings["check"] += time.monotonic() - started

    def progress(self):
        """Where the reading stands, as `stage` returns it."""
        members = self._members
        if self._member >= len(members):
            return StageProgress(RegisterPosition(self._member, 0), 1.0, True)
        current = members[self._member]
        # A JSON file read ahead: where its staged elements end.
        position, tell = current.staged_at or (current.reader.position, current.binary.tell())
        read = sum(member.size for member in members[:self._member]) + tell
        total = max(sum(member.size for member in members), 1)
        return StageProgress(RegisterPosition(self._member, current.read, *position),
                             min(read / total, 1.0), False)

    def _sort_files(self, files):
        """The files (`_File`), as members in the order they are staged: the
        legal units first for a register of two files, each recognised by
        its header whatever the order they came in. An archive's
        description (`RegisterAdapter.meta_columns`) is read into `extract`,
        not staged."""
        adapter = self.adapter
        meta = [file for file in files if adapter.meta_columns and tuple(file.reader.header) == adapter.meta_columns]
        if meta:
            self.extract = adapter.extract_info(_meta_values(meta[0].reader))
            files = [file for file in files if file is not meta[0]]
        if any(file.name and UPDATE_MEMBER.match(os.path.basename(file.name)) for file in files):
            self.extract = dict(self.extract, update=True)   # its members say so, whatever its description
        companies = next((file for file in files if adapter.recognises(file.reader.header)), None)
        if companies is None:
            self._check_header(files[0].reader.header)
        members = [_Member(companies, "companies")]
        if adapter.side_files:
            sides = [(file, adapter.side_kind(file.reader.header)) for file in files if file is not companies]
            missing = set(adapter.side_files) - {kind for _file, kind in sides}
            if missing:
                raise RegisterFileError("members", line=1, detail=", ".join(sorted(missing)))
            members += [_Member(file, f"side:{kind}") for file, kind in sides if kind]
            if self.is_update:
                members += self._delete_members(files, members)
        if not adapter.unit_required_columns:
            return members
        units = next((file for file in files if file is not companies and adapter.recognises_units(file.reader.header)),
                     None)
        if units is None:
            other = next(file for file in files if file is not companies).reader
            raise RegisterFileError("units", line=1, detail=", ".join(
                column for column in adapter.unit_required_columns if column not in other.header))
        return [_Member(units, "units")] + members

    def _delete_members(self, files, members):
        """The files of deletions of an update extract: ``<file>_delete.csv``
        of one column (`RegisterAdapter.delete_columns`), of the kind of its
        ``<file>_insert.csv`` (`members`, recognised by their header). Each
        kind read needs both, else the archive is refused."""
        inserted = {}   # {<file>: kind}
        for member in members:
            found = member.name and UPDATE_MEMBER.match(os.path.basename(member.name))
            if found and found.group(2).lower() == "insert":
                inserted[found.group(1).lower()] = member.kind.split(":")[-1]
        deletes = []
        for file in files:
            found = file.name and UPDATE_MEMBER.match(os.path.basename(file.name))
            header = file.reader.header
            if found and found.group(2).lower() == "delete" and found.group(1).lower() in inserted \
                    and len(header) == 1 and header[0] in self.adapter.delete_columns:
                deletes.append(_Member(file, f"delete:{inserted[found.group(1).lower()]}"))
        missing = ({member.kind.split(":")[-1] for member in members}
                   - (set(inserted.values()) & {member.kind.split(":")[-1] for member in deletes}))
        if missing:
            raise RegisterFileError("update_members", line=1, detail=", ".join(sorted(missing)))
        return deletes

    def _check_header(self, header):
        if self.adapter.recognises(header):
            return
        other = detect_adapter(header)
        if other and other is not type(self.adapter):
            raise RegisterFileError("register", line=1, detail=other.label)
        raise RegisterFileError("columns", line=1, detail=", ".join(self.adapter.missing_columns(header)))

    def _list_bad_row(self, line, bad):
        if len(self.bad_rows) < MAX_LISTED_BAD_ROWS:
            self.bad_rows.append((line, bad))

    # ------------------------------------------------------------------
    # Checking what is staged
    # ------------------------------------------------------------------

    @_phase("duplicates")
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
        self.cr.execute("SELECT NOT EXISTS (SELECT 1 FROM crm_iap_lead_directory_company WHERE register_code = %s)",
                        [self.adapter.code])
        self.first_import = self.cr.fetchone()[0]
        # The merge's plans need the directory's size as it is now (the last
        # import may have filled it since autovacuum last looked): a sample.
        self.cr.execute("ANALYZE crm_iap_lead_directory_company")
        # The rows found unchanged as they were read are merged already.
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        self.cr.execute(f"""
            SELECT count(*), count(*) FILTER (WHERE register_status IS NOT NULL),
                   count(*) FILTER (WHERE industry_code IS NOT NULL)
              FROM {staging} WHERE unchanged AND NOT skip
        """)
        unchanged, undeliverable, unknown_industry = self.cr.fetchone()
        if self.adapter.advertising_protection and unchanged:
            # An unchanged row stages its number only: its protection is the directory's.
            # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
            self.cr.execute(f"""
                SELECT count(*) FROM {staging} s JOIN crm_iap_lead_directory_company d
                    ON d.register_code = %s AND d.register_number = s.register_number
                 WHERE s.unchanged AND NOT s.skip AND d.advertising_protected
            """, [self.adapter.code])
            self.counters["advertising_protected_count"] += self.cr.fetchone()[0]
        self.counters["unchanged_count"] += unchanged
        self.counters["undeliverable_count"] += undeliverable
        self.counters["unknown_industry_count"] += unknown_industry
        return count

    @_phase("duplicates")
    def apply_units(self):
        """A register of two files: leave out the companies whose legal unit
        is excluded (counted by reason); skip, as bad rows, those without a
        legal unit or a name. Nothing for a register of one file."""
        staging, units = self.tables["crm_iap_register_staging"], self.tables["crm_iap_register_units"]
        if not self.adapter.unit_required_columns:
            return
        cr = self.cr
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        cr.execute(f"CREATE INDEX ON {units} (register_number); ANALYZE {units};")
        if self.adapter.unit_order:
            # A number on several rows: the highest by the adapter's order
            # stays (ties: the first staged).
            order = self.adapter.unit_order
            # pylint: disable-next=sql-injection  # the adapter's own SQL and the import's tables
            cr.execute(f"""
                DELETE FROM {units} x
                 USING (SELECT ctid, row_number() OVER (PARTITION BY register_number
                                                        ORDER BY {order} DESC NULLS LAST, ctid) AS rank
                          FROM {units} u
                         WHERE register_number IN (SELECT register_number FROM {units}
                                                    GROUP BY register_number HAVING count(*) > 1)) ranked
                 WHERE x.ctid = ranked.ctid AND ranked.rank > 1
            """)
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        cr.execute(f"""
            WITH orphan AS (
                UPDATE {staging} s SET skip = TRUE
                 WHERE NOT s.skip AND NOT %s AND NOT EXISTS (SELECT 1 FROM {units} u
                                                              WHERE u.register_number = s.register_number)
             RETURNING s.line_no, s.register_number
            )
            SELECT count(*), ARRAY(SELECT ARRAY[line_no::varchar, register_number] FROM orphan
                                    ORDER BY line_no LIMIT %s)
              FROM orphan
        """, (self.adapter.units_optional, MAX_LISTED_BAD_ROWS))
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
                 WHERE u.register_number = s.register_number AND NOT s.skip AND COALESCE(s.name, u.name) IS NULL
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

    @_phase("duplicates")
    def apply_sides(self):
        """A register of several files (`side_files`): set the staged
        companies' values from the rows of the side files of their number
        (the first row giving a field wins; an update extract: see
        `_apply_update`), then skip, as bad rows, the companies left without
        a name. Nothing for other registers."""
        if not self.adapter.side_files:
            return
        staging, sides = self.tables["crm_iap_register_staging"], self.tables["crm_iap_register_sides"]
        cr = self.cr
        # No JIT (compiling these plans took a second), room for the sorts in memory.
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        cr.execute(f"""
            SET LOCAL jit = off;
            SET LOCAL work_mem = '64MB';
            CREATE INDEX ON {sides} (register_number);
            ANALYZE {sides};
        """)
        if self.is_update:
            self._apply_update()
        else:
            values = self.adapter.side_values("v.fields")
            # pylint: disable-next=sql-injection  # the import's own tables and the adapter's SQL
            cr.execute(f"""
                UPDATE {staging} s SET ({", ".join(values)}) = ROW({", ".join(values.values())})
                  FROM ({_side_fields(sides, staging=staging)}) v
                 WHERE v.register_number = s.register_number AND NOT s.skip
            """)
        # pylint: disable-next=sql-injection  # the import's own tables (an integer id)
        cr.execute(f"""
            WITH nameless AS (
                UPDATE {staging} s SET skip = TRUE WHERE NOT s.skip AND s.name IS NULL RETURNING s.line_no
            )
            SELECT count(*), ARRAY(SELECT line_no FROM nameless ORDER BY line_no LIMIT %s) FROM nameless
        """, (MAX_LISTED_BAD_ROWS,))
        count, nameless = cr.fetchone()
        cr.execute("RESET jit; RESET work_mem")
        self.counters["bad_row_count"] += count
        for line in nameless:
            self._list_bad_row(line, BadRow("missing_name"))
        self.bad_rows.sort(key=lambda item: item[0])

    def _apply_update(self):
        """An update extract (deletions, then insertions, per file): an
        enterprise the companies file deletes and does not insert again has
        stopped (staged gone: archived); an active directory company that
        only side files list is staged as the directory has it (one they
        list that the directory lacks is ignored). Then a staged company
        takes the values of a side kind (`side_columns`) whose files list it
        (deleted or inserted) from its inserted rows, none maybe; those of
        the other kinds are kept as the directory has them. The merge then
        writes what differs."""
        staging, sides, deletes = (self.tables[table] for table in (
            "crm_iap_register_staging", "crm_iap_register_sides", "crm_iap_register_deletes"))
        adapter = self.adapter
        values = adapter.side_values("v.fields")
        kind_of = {column: kind for kind, columns in adapter.side_columns.items() for column in columns}
        assert set(values) <= set(kind_of), "every column of side_values has its kind in side_columns"
        columns = [column for column in COMPANY_FIELDS if column in DIRECTORY_VALUES]
        # The numbers each side kind lists (its deletions and insertions).
        listed = f"""SELECT register_number, kind, line_no FROM {deletes} WHERE kind <> 'companies'
                     UNION ALL SELECT register_number, kind, line_no FROM {sides}"""
        # What a kind kept gives the others (the seat's postcode: the name's language).
        context = "".join(
            f" || CASE WHEN NOT COALESCE(k.kinds, '{{}}') @> ARRAY[{_literal(kind)}]::varchar[] "
            f"THEN jsonb_strip_nulls({kept}) ELSE '{{}}'::jsonb END"
            for kind, kept in ((kind, adapter.kept_side_fields(kind, "d")) for kind in adapter.side_files) if kept)
        with self._by_index():
            # pylint: disable-next=sql-injection  # the import's own tables and the adapter's SQL
            self.cr.execute(f"""
                CREATE INDEX ON {deletes} (register_number);
                ANALYZE {deletes};
                INSERT INTO {staging} (line_no, skip, gone, register_number)
                SELECT min(x.line_no), TRUE, TRUE, x.register_number FROM {deletes} x
                 WHERE x.kind = 'companies'
                   AND NOT EXISTS (SELECT 1 FROM {staging} s WHERE s.register_number = x.register_number)
                 GROUP BY x.register_number;
                INSERT INTO {staging} (line_no, skip, gone, register_number, {", ".join(columns)}, row_hash)
                SELECT n.line_no, FALSE, FALSE, n.register_number,
                       {", ".join(DIRECTORY_VALUES[column] for column in columns)}, d.register_hash
                  FROM (SELECT register_number, min(line_no) AS line_no FROM ({listed}) x
                         GROUP BY register_number) n
                  JOIN crm_iap_lead_directory_company d
                    ON d.register_code = %(register)s AND d.register_number = n.register_number AND d.active
                  LEFT JOIN res_country country ON country.id = d.country_id
                  LEFT JOIN res_country_state state ON state.id = d.state_id
                 WHERE NOT EXISTS (SELECT 1 FROM {staging} s WHERE s.register_number = n.register_number);
                UPDATE {staging} s SET ({", ".join(values)}) = ROW({", ".join(
                    f"CASE WHEN v.kinds @> ARRAY[{_literal(kind_of[column])}]::varchar[] THEN {sql} "
                    f"ELSE v.kept_{column} END" for column, sql in values.items())})
                  FROM (SELECT t.register_number, COALESCE(k.kinds, '{{}}') AS kinds,
                               COALESCE(f.fields, '{{}}'::jsonb){context} AS fields,
                               {", ".join(f"d.{column} AS kept_{column}" for column in values)}
                          FROM {staging} t
                          -- Looked up by number for each company (indexes): a daily update is small.
                          LEFT JOIN LATERAL (
                                SELECT array_agg(DISTINCT x.kind)::varchar[] AS kinds FROM (
                                    SELECT kind FROM {deletes} x
                                     WHERE x.register_number = t.register_number AND x.kind <> 'companies'
                                     UNION ALL
                                    SELECT kind FROM {sides} x WHERE x.register_number = t.register_number) x
                          ) k ON TRUE
                          LEFT JOIN LATERAL ({_side_fields(sides, "t.register_number")}) f ON TRUE
                          LEFT JOIN crm_iap_lead_directory_company d
                                 ON d.register_code = %(register)s AND d.register_number = t.register_number
                         WHERE NOT t.skip) v
                 WHERE v.register_number = s.register_number AND NOT s.skip
            """, self._params)

    # ------------------------------------------------------------------
    # Into the directory
    # ------------------------------------------------------------------

    @_phase("merge")
    def merge(self, limit=None):
        """Insert the new companies and update the changed ones: the next
        `limit` staged companies in register number order (after
        `merged_up_to`), or all of them. Return whether all are merged."""
        staging, units = self.tables["crm_iap_register_staging"], self.tables["crm_iap_register_units"]
        cr = self.cr
        params = dict(self._params, after=self.merged_up_to, limit=limit)
        staged = f"SELECT * FROM {staging} s WHERE NOT s.skip AND NOT s.unchanged"
        if limit:
            after = "" if self.merged_up_to is None else "AND s.register_number > %(after)s"
            staged = f"{staged} {after} ORDER BY s.register_number LIMIT %(limit)s"
        last = "max(register_number)" if limit else "NULL"   # where the next chunk starts
        cr.execute(f"""
            DROP TABLE IF EXISTS crm_iap_register_resolved;
            CREATE TEMP TABLE crm_iap_register_resolved ON COMMIT DROP AS
            SELECT s.register_number, COALESCE(s.name, u.name) AS name, s.street, s.city, s.zip,
                   COALESCE(s.employees, u.employees) AS employees, s.employees_max, s.phones, s.emails,
                   u.estimated_revenue, currency.id AS revenue_currency_id, u.figures_quarter,
                   s.domain, COALESCE(s.founded_year, u.founded_year) AS founded_year,
                   COALESCE(s.founded_date, u.founded_date) AS founded_date,
                   COALESCE(country.id, %(home_country)s) AS country_id, state.id AS state_id, code.industry_id,
                   COALESCE(s.register_status, u.register_status) AS register_status,
                   CASE WHEN s.register_status IS NOT NULL THEN s.register_status_date
                        ELSE u.register_status_date END AS register_status_date,
                   s.industry_code IS NOT NULL AND code.id IS NULL AS industry_unknown, s.row_hash, s.industry_code,
                   COALESCE(s.legal_form, u.legal_form) AS legal_form, s.advertising_protected
              FROM ({staged}) s
              LEFT JOIN {units} u ON u.register_number = s.register_number
              LEFT JOIN res_currency currency ON currency.name = u.revenue_currency
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
                   count(*) FILTER (WHERE register_status IS NOT NULL), {last},
                   count(*) FILTER (WHERE advertising_protected)
              FROM crm_iap_register_resolved;
        """, params)
        resolved, unknown_industry, undeliverable, last, protected = cr.fetchone()
        self.counters["advertising_protected_count"] += protected
        self.counters["unknown_industry_count"] += unknown_industry
        # Imported (or kept), on their way out: never delivered.
        self.counters["undeliverable_count"] += undeliverable
        columns = ", ".join(column for column, _value in MERGED_COLUMNS)
        values = ", ".join(value for _column, value in MERGED_COLUMNS)
        compared = [(column, value) for column, value in MERGED_COLUMNS if column not in NOT_COMPARED]
        current = ", ".join(f"d.{column}" for column, _value in compared)
        compared_values = ", ".join(
            f"COALESCE({value}, d.{column})" if column in KEPT_UNLESS_GIVEN else UPDATED_VALUES.get(column, value)
            for column, value in compared
        )
        updated_columns = ", ".join(column for column, _value in compared)
        kept = [(column, value) for column, value in MERGED_COLUMNS if column in NOT_COMPARED]
        kept_columns, kept_values = ", ".join(column for column, _value in kept), ", ".join(value for _c, value in kept)
        # The first import of a register: every company is new (its numbers
        # are unique in the staging), nothing to look up before inserting.
        first = self.first_import
        updated = 0
        new_only = "TRUE" if first else """NOT EXISTS (
            SELECT 1 FROM crm_iap_lead_directory_company d
             WHERE d.register_code = %(register)s AND d.register_number = r.register_number)"""
        with self._by_index():
            if self.records_events:
                # What changes, read before the update changes it.
                changes = " UNION ALL ".join(
                    f"SELECT '{kind}' AS kind, {old} AS old_value, {new} AS new_value WHERE {changed}"
                    for kind, old, new, changed in EVENT_CHANGES)
                cr.execute(self._recording(f"""
                    SELECT d.id, e.kind, e.old_value, e.new_value
                      FROM crm_iap_register_resolved r
                      JOIN crm_iap_lead_directory_company d
                        ON d.register_code = %(register)s AND d.register_number = r.register_number
                     CROSS JOIN LATERAL ({changes}) e""", "id", "old_value", "new_value"), params)
            if not first:
                cr.execute(f"""
                    UPDATE crm_iap_lead_directory_company d
                       SET ({updated_columns}, {kept_columns}, write_uid, write_date)
                           = ({compared_values}, {kept_values}, %(uid)s, now() at time zone 'UTC')
                      FROM crm_iap_register_resolved r
                     WHERE d.register_code = %(register)s AND d.register_number = r.register_number
                       AND ({current}) IS DISTINCT FROM ({compared_values})
                """, params)
                updated = cr.rowcount
                # Read from columns of another shape (Norway's JSON after its
                # CSV): the same company, recognised by its new hash next time.
                cr.execute(f"""
                    UPDATE crm_iap_lead_directory_company d SET ({kept_columns}) = ROW({kept_values})
                      FROM crm_iap_register_resolved r
                     WHERE d.register_code = %(register)s AND d.register_number = r.register_number
                       AND ({", ".join(f"d.{column}" for column, _value in kept)}) IS DISTINCT FROM ({kept_values})
                """, params)
            insert = f"""
                INSERT INTO crm_iap_lead_directory_company
                       (register_code, register_number, {columns}, delivery_count,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(register)s, r.register_number, {values}, 0,
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM crm_iap_register_resolved r
                 WHERE {new_only}"""
            if self.records_events:   # one event per company inserted: the same count
                insert = self._recording(f"{insert} RETURNING id, 'new' AS kind, name", "id", "NULL", "name")
            cr.execute(insert, params)
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

    @_phase("archive")
    def archive(self, complete):
        """Archive the active companies of the register that the file marks
        as closed, excluded or deleted; for a complete snapshot
        (`complete`), also those it does not list at all (dissolved).
        Archived, never deleted, so their delivery history stays. Return how
        many."""
        sql = f"""
            UPDATE crm_iap_lead_directory_company d
               SET active = FALSE, write_uid = %(uid)s, write_date = now() at time zone 'UTC'
             WHERE d.register_code = %(register)s AND d.active AND {self._archived_condition(complete)}"""
        if self.records_events:   # one event per company archived: the same count
            sql = self._recording(f"{sql} RETURNING d.id, 'gone' AS kind, d.name", "id", "name", "NULL")
        self.cr.execute(sql, self._params)
        self.counters["archived_count"] += self.cr.rowcount
        return self.cr.rowcount

    def _archived_condition(self, complete):
        """Whether the directory company `d` is archived by this file: a
        partial file archives only what it marks as gone, a complete one
        everything it does not list alive; an update extract is never
        complete."""
        staging = self.tables["crm_iap_register_staging"]
        if complete and not self.is_update:
            return f"""NOT EXISTS (SELECT 1 FROM {staging} s
                                    WHERE s.register_number = d.register_number AND NOT s.gone)"""
        return f"EXISTS (SELECT 1 FROM {staging} s WHERE s.register_number = d.register_number AND s.gone)"

    def drop_staging(self):
        """Drop the staging tables (the last step)."""
        drop_staging_tables(self.cr, self.import_id)


def drop_staging_tables(cr, import_id):
    """Drop the staging tables of an import, if it has any."""
    cr.execute("".join(f"DROP TABLE IF EXISTS {table}_{int(import_id)};" for table in STAGING_TABLES))


def upgrade_staging_tables(cr):
    """Give the staging tables of the imports an upgrade caught mid-way the
    tables and columns this version stages (STAGING_TABLES), so that each
    resumes where it stopped; the added columns take no NOT NULL (their
    rows are staged already). Idempotent; return how many imports."""
    cr.execute(r"""
        SELECT substring(tablename from '^crm_iap_register_staging_(\d+)$')::int FROM pg_tables
         WHERE schemaname = current_schema() AND tablename ~ '^crm_iap_register_staging_\d+$'
    """)
    import_ids = [import_id for import_id, in cr.fetchall()]
    for import_id in import_ids:
        for table, columns in STAGING_TABLES.items():
            definitions = [" ".join(column.split()) for column in columns.split(",")]
            added = ", ".join(f"ADD COLUMN IF NOT EXISTS {definition.replace(' NOT NULL', '')}"
                              for definition in definitions)
            # pylint: disable-next=sql-injection  # module constants and an integer id
            cr.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS {table}_{import_id} ({columns}); "
                       f"ALTER TABLE {table}_{import_id} {added}")
    return len(import_ids)


def _side_fields(sides, number=None, staging=None):
    """SQL: each number's side rows merged into one jsonb object, `fields`,
    the first row giving a field winning: those of one `number` (SQL), or
    of every company `staging` holds to merge (not skipped). For all, each
    field from its first line by DISTINCT ON, one sort of the whole table
    (an ORDER BY inside the aggregate sorted each company's rows apart)."""
    if number:
        # jsonb keeps the last value of a key: aggregated last line first.
        return f"""SELECT jsonb_object_agg(e.key, e.value ORDER BY x.line_no DESC) AS fields
                     FROM {sides} x CROSS JOIN LATERAL jsonb_each(x.fields) e
                    WHERE x.register_number = {number} AND e.value <> 'null'::jsonb"""
    return f"""SELECT f.register_number, jsonb_object_agg(f.key, f.value) AS fields
                 FROM (SELECT DISTINCT ON (x.register_number, e.key) x.register_number, e.key, e.value
                         FROM {sides} x CROSS JOIN LATERAL jsonb_each(x.fields) e
                        WHERE e.value <> 'null'::jsonb
                          AND EXISTS (SELECT 1 FROM {staging} k
                                       WHERE k.register_number = x.register_number AND NOT k.skip)
                        ORDER BY x.register_number, e.key, x.line_no) f
                GROUP BY f.register_number"""


def _meta_values(reader):
    """{variable: value} of an archive's description, a CSV of a few rows
    (KBO's meta.csv: Variable, Value)."""
    values = {}
    block = reader.read_block(BLOCK_BYTES)
    while block is not None:
        for _line, row in reader.block_rows(block):
            if len(row) >= 2:
                values[row[0].strip()] = row[1]
        block = reader.read_block(BLOCK_BYTES)
    return values


def _size(binary):
    """The size in bytes of a seekable binary file, left at its start."""
    size = binary.seek(0, io.SEEK_END)
    binary.seek(0)
    return size


def _literal(text):
    """A SQL string literal of a name the code chose or a file gave."""
    return "'" + str(text).replace("'", "''") + "'"


def _write_copy_row(text, names, line, row):
    """Write a row parsed here, ``{column: value}``, as a line of a COPY of
    the raw table (line, NUL column, `names`); a value with a NUL byte
    (PostgreSQL's text cannot hold one) is dropped, and its column named for
    the checks."""
    values = [row.get(name, "") for name in names]
    nul_column = next((name for name, value in row.items() if "\x00" in value), None)
    if nul_column:
        values = [value.replace("\x00", "") for value in values]
    text.write("\t".join([str(line), _copy_value(nul_column)] + [_copy_value(value) for value in values]))
    text.write("\n")


def _copy_value(value):
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)
