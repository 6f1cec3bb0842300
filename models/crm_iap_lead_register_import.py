"""One import of a public business register file into the company directory."""
import base64
import io
import logging
import os
import time
from collections import Counter
from contextlib import ExitStack, contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import IMPORT_STATE_TRANSITIONS
from ..tools.register_files import RegisterCsvReader, RegisterFileError, open_register_file
from ..tools.registers import ADAPTERS, BadRow, Excluded, RegisterCompany, detect_adapter
from .crm_iap_lead_dedupe import normalize_domain
from .crm_iap_lead_directory_company import register_selection

_logger = logging.getLogger(__name__)

# Rows sent to PostgreSQL per COPY: memory stays flat whatever the file size.
COPY_CHUNK_ROWS = 10000
MAX_LISTED_BAD_ROWS = 100
STAGING_COLUMNS = ("line_no", "skip") + RegisterCompany._fields
UNIT_COLUMNS = ("register_number", "name", "founded_year", "exclusion")
# Directory columns a register import writes, with the value each takes
# from the staged row `r`. An update compares the same expressions, so a
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
    ("active", "TRUE"),
)
# Only some registers publish a website: one added by hand stays otherwise.
KEPT_UNLESS_GIVEN = {"domain"}
# The progress bar: reading the files is this share of the work, the merge the rest.
READ_SHARE = 0.9
# The live counts of the imports running, written by each import in a cursor
# of its own (its own transaction stays open until the end): a table of its
# own, never written by the import's transaction, so neither waits for the other.
PROGRESS_TABLE = "crm_iap_lead_register_import_progress"
PROGRESS_COUNTS = ("rows_read", "excluded_count", "bad_row_count", "imported_count", "updated_count",
                   "archived_count")


class RegisterImportCancelled(Exception):
    """A user cancelled the running import: everything it did is rolled back."""


SECOND_FILE_HELP = ("INSEE SIRENE comes as two files, the establishments and the legal units: "
                    "give both, in either order.")


class CrmIapLeadRegisterImport(models.Model):
    """An import run: which register, which file, and what it changed.

    All or nothing: a file that cannot be read whole (truncated, damaged,
    another register's) changes nothing and says which line is wrong; a row
    with a bad value is skipped, counted and listed.
    """

    _name = "crm.iap.lead.register.import"
    _inherit = ["crm.iap.lead.state.mixin"]
    _description = "Register Import"
    _order = "id desc"
    _state_transitions = IMPORT_STATE_TRANSITIONS

    register_code = fields.Selection(register_selection, string="Register", required=True,
                                     default="gb_companies_house")
    source = fields.Selection(
        [("upload", "Uploaded file"), ("server", "File on the server")], required=True, default="upload",
    )
    file = fields.Binary(attachment=True)
    file_name = fields.Char()
    server_path = fields.Char(
        groups="base.group_system",
        help="Full path of the file on the Odoo server, for national files too big to upload.",
    )
    # France publishes SIRENE as two files: establishments and legal units.
    second_file = fields.Binary(attachment=True, help=SECOND_FILE_HELP)
    second_file_name = fields.Char()
    second_server_path = fields.Char(groups="base.group_system", help=SECOND_FILE_HELP)
    needs_second_file = fields.Boolean(compute="_compute_needs_second_file")
    state = fields.Selection(
        [("draft", "Draft"), ("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("error", "Error"),
         ("cancel", "Cancelled")],
        required=True, default="draft", readonly=True,
    )
    user_id = fields.Many2one("res.users", string="Started By", readonly=True)
    error_message = fields.Text(readonly=True)
    rows_read = fields.Integer(readonly=True)
    imported_count = fields.Integer(string="Imported", readonly=True)
    updated_count = fields.Integer(string="Updated", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    archived_count = fields.Integer(string="Archived", readonly=True,
                                    help="Companies gone from the file, closed or winding up.")
    excluded_closed_count = fields.Integer(string="Excluded: Closed or Winding Up", readonly=True)
    excluded_person_count = fields.Integer(string="Excluded: Natural Persons", readonly=True)
    excluded_private_count = fields.Integer(string="Excluded: Not to Be Diffused", readonly=True)
    bad_row_count = fields.Integer(string="Bad Rows", readonly=True)
    bad_rows = fields.Text(string="Bad Rows Listed", readonly=True, help="The first 100 bad rows, skipped.")
    unknown_industry_count = fields.Integer(
        string="Unknown Industry Codes", readonly=True,
        help="Companies imported without an industry: their activity code has no mapping.",
    )
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    # Live, while it runs (read from the progress table, see PROGRESS_TABLE).
    progress = fields.Float(compute="_compute_progress")
    live_rows_read = fields.Integer(string="Rows Read So Far", compute="_compute_progress")
    live_excluded_count = fields.Integer(string="Excluded So Far", compute="_compute_progress")
    live_bad_row_count = fields.Integer(string="Bad Rows So Far", compute="_compute_progress")
    live_imported_count = fields.Integer(string="Imported So Far", compute="_compute_progress")
    live_updated_count = fields.Integer(string="Updated So Far", compute="_compute_progress")
    live_archived_count = fields.Integer(string="Archived So Far", compute="_compute_progress")
    cancel_requested = fields.Boolean(compute="_compute_progress")

    def init(self):
        # The columns are PROGRESS_COUNTS.
        self.env.cr.execute("""
            CREATE TABLE IF NOT EXISTS crm_iap_lead_register_import_progress (
                import_id integer PRIMARY KEY, progress float NOT NULL DEFAULT 0,
                rows_read integer NOT NULL DEFAULT 0, excluded_count integer NOT NULL DEFAULT 0,
                bad_row_count integer NOT NULL DEFAULT 0, imported_count integer NOT NULL DEFAULT 0,
                updated_count integer NOT NULL DEFAULT 0, archived_count integer NOT NULL DEFAULT 0,
                cancel_requested boolean NOT NULL DEFAULT FALSE
            )
        """)

    @api.depends("register_code")
    def _compute_needs_second_file(self):
        for run in self:
            run.needs_second_file = bool(run.register_code and ADAPTERS[run.register_code].unit_required_columns)

    def _compute_progress(self):
        self.env.cr.execute(f"""
            SELECT import_id, progress, {", ".join(PROGRESS_COUNTS)}, cancel_requested
              FROM {PROGRESS_TABLE} WHERE import_id = ANY(%s)
        """, (self.ids,))
        live = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for run in self:
            values = live.get(run.id, (0.0,) + (0,) * len(PROGRESS_COUNTS) + (False,))
            run.progress = 100 * values[0]
            for count, value in zip(PROGRESS_COUNTS, values[1:]):
                run[f"live_{count}"] = value
            run.cancel_requested = values[-1]

    @api.depends("register_code", "create_date")
    def _compute_display_name(self):
        labels = dict(register_selection())
        for run in self:
            run.display_name = _(
                "%(register)s import of %(date)s",
                register=labels.get(run.register_code, ""), date=fields.Date.to_string(run.create_date),
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_import(self):
        """Import the file now, in this transaction."""
        self.ensure_one()
        self._check_source()
        self._update_state("queued", {"user_id": self.env.user.id})._update_state("running")
        with self._open_sources() as binaries:
            self._import_file(binaries)
        return True

    def action_queue(self):
        """Import the file in the background (the national files take minutes)."""
        self.ensure_one()
        # Checked now, as the user: the cron runs as the superuser.
        self._check_source()
        self._update_state("queued", {"user_id": self.env.user.id})
        self.env.ref("crm_iap_mine.ir_cron_import_registers")._trigger()
        return True

    def action_cancel(self):
        """Cancel a queued import; a running one stops at its next chunk of
        rows and changes nothing (all or nothing)."""
        running = self.filtered(lambda run: run.state == "running")
        (self - running)._update_state("cancel")
        for run in running:
            run._write_progress({"cancel_requested": True})
        return True

    def _state_refusal(self, target_state):
        return _(
            "This import is %(state)s: it cannot be started or cancelled any more. "
            "Create a new one to import another file.",
            state=self._state_label(self.state),
        )

    @api.model
    def _cron_import_registers(self, autocommit=True):
        """Run the queued imports one by one, each in its own transaction:
        one that fails is marked failed and the next one still runs.

        :param autocommit: commit after each import (off in unit tests).
        """
        for run in self.search([("state", "=", "queued")], order="id"):
            run._update_state("running")
            if autocommit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # the user sees it running
            try:
                with self.env.cr.savepoint(), run._open_sources() as binaries:
                    run._import_file(binaries)
            except Exception as error:  # pylint: disable=broad-except  # one bad import never stops the others
                _logger.exception("Register import %s failed", run.id)
                run._update_state("error", {"error_message": str(error)})
            run._notify_user()
            if autocommit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # each import stands alone

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _check_source(self):
        if self.source == "upload":
            if not self.file or (self.needs_second_file and not self.second_file):
                raise UserError(self._describe_missing_file())
            return
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators may import a file from the server."))
        paths = self._server_paths()
        if self.needs_second_file and len(paths) < 2:
            raise UserError(self._describe_missing_file())
        for path in paths or [""]:
            if not path or not os.path.isfile(path) or not os.access(path, os.R_OK):
                raise UserError(_(
                    "%(path)s is not a readable file on the server: give the full path of the register file.",
                    path=path or "",
                ))

    def _describe_missing_file(self):
        if self.needs_second_file:
            return _("%(register)s comes as two files, the establishments and the legal units: give both.",
                     register=dict(register_selection())[self.register_code])
        return _("Upload the register file to import.")

    def _server_paths(self):
        run = self.sudo()
        return [path for path in (run.server_path, run.second_server_path if self.needs_second_file else None)
                if path]

    @contextmanager
    def _open_sources(self):
        """The binary files of the import: one, or two for SIRENE."""
        with ExitStack() as stack:
            if self.source == "upload":
                contents = [self.file] + ([self.second_file] if self.needs_second_file else [])
                yield [stack.enter_context(io.BytesIO(base64.b64decode(content))) for content in contents]
            else:
                # pylint: disable=consider-using-with  # closed by the ExitStack
                yield [stack.enter_context(open(path, "rb")) for path in self._server_paths()]

    def _import_file(self, binaries, progress=None):
        """Read, stage and merge the files; on a file error or a cancel
        nothing changes.

        :param progress: called with the counters so far (a dict) and the
          fraction done, now and then; by default, the live counts of the form.
        """
        started = time.monotonic()
        try:
            with self.env.cr.savepoint():
                counters = self._stage_and_merge(binaries, progress or self._write_live_counts)
        except RegisterFileError as error:
            self._update_state("error", {"error_message": self._describe_file_error(error)})
            return False
        except RegisterImportCancelled:
            self._update_state("cancel")
            _logger.info("Register import %s cancelled: nothing changed", self.id)
            return False
        self.env["crm.iap.lead.directory.company"].invalidate_model()
        counters["duration"] = time.monotonic() - started
        self._update_state("done", counters)
        _logger.info("Register import %s: %s", self.id, counters)
        return True

    def _stage_and_merge(self, binaries, progress):
        adapter = ADAPTERS[self.register_code]()
        counters = Counter()
        bad_rows = []
        sizes = [_size(binary) for binary in binaries]
        total = max(sum(sizes), 1)

        def report(binary, offset):
            """Tell the progress callback where the reading stands."""
            progress(self._report_counts(counters), READ_SHARE * min((offset + binary.tell()) / total, 1))

        with ExitStack() as stack:
            readers = [
                RegisterCsvReader(stack.enter_context(open_register_file(binary)), adapter.delimiter)
                for binary in binaries
            ]
            companies, units = self._sort_files(adapter, readers)
            self._create_staging_tables()
            offset = 0
            if units is not None:
                units_binary = binaries[readers.index(units)]
                self._stage_units(adapter, units, counters, lambda: report(units_binary, 0))
                offset = sizes[readers.index(units)]
            companies_binary = binaries[readers.index(companies)]
            self._stage_rows(adapter, companies, counters, bad_rows, lambda: report(companies_binary, offset))
        bad_rows += self._drop_duplicate_numbers(counters)
        if units is not None:
            bad_rows += self._apply_units(counters)
        progress(self._report_counts(counters), READ_SHARE)
        self._merge_staging(adapter, counters, lambda done: progress(self._report_counts(counters), done))
        self.env.cr.execute("DROP TABLE crm_iap_register_staging; DROP TABLE crm_iap_register_units")
        values = self._report_counts(counters)
        values.update(
            unchanged_count=counters["unchanged_count"], unknown_industry_count=counters["unknown_industry_count"],
            excluded_closed_count=counters["excluded_closed"],
            excluded_person_count=counters["excluded_natural_person"],
            excluded_private_count=counters["excluded_non_diffusible"],
            bad_rows="\n".join(bad_rows[:MAX_LISTED_BAD_ROWS]) or False,
        )
        del values["excluded_count"]
        return values

    @staticmethod
    def _report_counts(counters):
        """The counts the progress shows, from the counters of an import."""
        return {
            "rows_read": counters["rows_read"],
            "excluded_count": sum(value for key, value in counters.items() if key.startswith("excluded_")),
            "bad_row_count": counters["bad_row_count"],
            "imported_count": counters["imported_count"],
            "updated_count": counters["updated_count"],
            "archived_count": counters["archived_count"],
        }

    def _sort_files(self, adapter, readers):
        """(companies reader, legal units reader or None), recognised by their
        header whatever their order."""
        if not adapter.unit_required_columns:
            self._check_header(adapter, readers[0].header)
            return readers[0], None
        companies = next((reader for reader in readers if adapter.recognises(reader.header)), None)
        if companies is None:
            self._check_header(adapter, readers[0].header)
        units = next((reader for reader in readers
                      if reader is not companies and adapter.recognises_units(reader.header)), None)
        if units is None:
            other = next(reader for reader in readers if reader is not companies)
            raise RegisterFileError("units", line=1, detail=", ".join(
                column for column in adapter.unit_required_columns if column not in other.header))
        return companies, units

    def _check_header(self, adapter, header):
        if adapter.recognises(header):
            return
        other = detect_adapter(header)
        if other and other is not type(adapter):
            raise RegisterFileError("register", line=1, detail=other.label)
        raise RegisterFileError("columns", line=1, detail=", ".join(adapter.missing_columns(header)))

    def _create_staging_tables(self):
        self.env.cr.execute("""
            DROP TABLE IF EXISTS crm_iap_register_staging;
            CREATE TEMP TABLE crm_iap_register_staging (
                line_no integer NOT NULL, skip boolean NOT NULL, register_number varchar NOT NULL,
                name varchar, street varchar, city varchar, zip varchar, state_name varchar,
                country_code varchar, industry_code varchar, employees integer, domain varchar,
                founded_year integer
            ) ON COMMIT DROP;
            -- The legal units of a register of two files (France), joined by number.
            DROP TABLE IF EXISTS crm_iap_register_units;
            CREATE TEMP TABLE crm_iap_register_units (
                register_number varchar NOT NULL, name varchar, founded_year integer, exclusion varchar
            ) ON COMMIT DROP;
        """)

    def _stage_rows(self, adapter, reader, counters, bad_rows, report):
        """COPY the companies of the rows into the staging table."""
        self._copy_in_chunks(
            self._company_values(adapter, reader, counters, bad_rows),
            "crm_iap_register_staging", STAGING_COLUMNS, report,
        )

    def _company_values(self, adapter, reader, counters, bad_rows):
        """The staging values of each row, counting and listing as it goes."""
        for line, row in reader:
            counters["rows_read"] += 1
            try:
                company = adapter.parse_row(row)
            except BadRow as bad:
                counters["bad_row_count"] += 1
                if len(bad_rows) < MAX_LISTED_BAD_ROWS:
                    bad_rows.append(self._describe_bad_row(line, bad))
                if bad.register_number:
                    # Skipped, not gone: its company must not be archived.
                    yield (line, True, bad.register_number) + (None,) * (len(STAGING_COLUMNS) - 3)
                continue
            except Excluded as excluded:
                counters[f"excluded_{excluded.reason}"] += 1
                continue
            if company is None:
                continue
            if company.domain:
                # The dedupe compares normalised domains.
                company = company._replace(domain=normalize_domain(company.domain) or None)
            yield (line, False) + company

    def _stage_units(self, adapter, reader, counters, report):
        """COPY the legal units (number, name, founded year, exclusion) of a
        register of two files into their own staging table."""
        def unit_values():
            for _line, row in reader:
                counters["rows_read"] += 1
                yield adapter.parse_unit_row(row)
        self._copy_in_chunks(unit_values(), "crm_iap_register_units", UNIT_COLUMNS, report)

    def _copy_in_chunks(self, rows, table, columns, report):
        """COPY `rows` (tuples of `columns`) into `table`, COPY_CHUNK_ROWS at a
        time, and `report()` after each chunk: memory stays flat."""
        chunk = io.StringIO()
        pending = 0
        for values in rows:
            chunk.write("\t".join(map(_copy_value, values)))
            chunk.write("\n")
            pending += 1
            if pending >= COPY_CHUNK_ROWS:
                self._copy_chunk(chunk, table, columns)
                chunk = io.StringIO()
                pending = 0
                report()
        self._copy_chunk(chunk, table, columns)
        report()

    def _apply_units(self, counters):
        """Leave out the companies whose legal unit is excluded (counted by
        reason); skip, as bad rows, those without a legal unit or a name."""
        cr = self.env.cr
        cr.execute("""
            CREATE INDEX ON crm_iap_register_units (register_number);
            ANALYZE crm_iap_register_units;
            WITH excluded AS (
                DELETE FROM crm_iap_register_staging s USING crm_iap_register_units u
                 WHERE u.register_number = s.register_number AND u.exclusion IS NOT NULL AND NOT s.skip
             RETURNING u.exclusion
            )
            SELECT exclusion, count(*) FROM excluded GROUP BY exclusion
        """)
        for reason, count in cr.fetchall():
            counters[f"excluded_{reason}"] += count
        cr.execute("""
            WITH orphan AS (
                UPDATE crm_iap_register_staging s SET skip = TRUE
                 WHERE NOT s.skip AND NOT EXISTS (SELECT 1 FROM crm_iap_register_units u
                                                   WHERE u.register_number = s.register_number)
             RETURNING s.line_no, s.register_number
            )
            SELECT count(*), ARRAY(SELECT ARRAY[line_no::varchar, register_number] FROM orphan
                                    ORDER BY line_no LIMIT %s)
              FROM orphan
        """, (MAX_LISTED_BAD_ROWS,))
        count, listed = cr.fetchone()
        cr.execute("""
            WITH nameless AS (
                UPDATE crm_iap_register_staging s SET skip = TRUE
                  FROM crm_iap_register_units u
                 WHERE u.register_number = s.register_number AND NOT s.skip AND u.name IS NULL
             RETURNING s.line_no
            )
            SELECT count(*), ARRAY(SELECT line_no FROM nameless ORDER BY line_no LIMIT %s) FROM nameless
        """, (MAX_LISTED_BAD_ROWS,))
        nameless_count, nameless = cr.fetchone()
        counters["bad_row_count"] += count + nameless_count
        bad = sorted(
            [(int(line), BadRow("missing_unit", number)) for line, number in listed]
            + [(line, BadRow("missing_name")) for line in nameless],
            key=lambda item: item[0],
        )
        return [self._describe_bad_row(line, row) for line, row in bad]

    def _copy_chunk(self, chunk, table, columns):
        chunk.seek(0)
        self.env.cr.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", chunk)

    # ------------------------------------------------------------------
    # Progress
    # ------------------------------------------------------------------

    def _write_live_counts(self, counts, fraction):
        """The default progress callback: the live counts of the form.

        :raise RegisterImportCancelled: a user asked to stop the import.
        """
        if self._write_progress(dict(counts, progress=fraction)):
            raise RegisterImportCancelled()

    def _write_progress(self, values):
        """Write this import's live values in a cursor of its own, committed
        at once; return whether a user asked to cancel it."""
        self.ensure_one()
        columns = list(values)
        with self.env.registry.cursor() as cr:
            cr.execute(f"""
                INSERT INTO {PROGRESS_TABLE} AS p (import_id, {", ".join(columns)})
                VALUES (%(import_id)s, {", ".join(f"%({column})s" for column in columns)})
                ON CONFLICT (import_id) DO UPDATE
                   SET {", ".join(f"{column} = EXCLUDED.{column}" for column in columns)}
             RETURNING p.cancel_requested
            """, dict(values, import_id=self.id))
            return cr.fetchone()[0]

    def _notify_user(self):
        """Tell who started a background import how it ended, in their open Odoo tabs."""
        if not self.user_id or self.state not in ("done", "error", "cancel"):
            return
        if self.state == "done":
            message = _("%(import)s is done: %(imported)s companies imported, %(updated)s updated, "
                        "%(archived)s archived.", **{
                            "import": self.display_name, "imported": self.imported_count,
                            "updated": self.updated_count, "archived": self.archived_count})
        elif self.state == "error":
            message = _("%(import)s failed: %(error)s", **{"import": self.display_name, "error": self.error_message})
        else:
            message = _("%(import)s was cancelled: nothing changed in the directory.", **{
                "import": self.display_name})
        self.env["bus.bus"]._sendone(self.user_id.partner_id, "simple_notification", {
            "title": _("Register Import"), "message": message, "sticky": self.state != "done",
            "type": {"done": "success", "error": "danger"}.get(self.state, "warning"),
        })

    def _drop_duplicate_numbers(self, counters):
        """A number twice in one file: the first row wins, the others are bad rows."""
        cr = self.env.cr
        cr.execute("""
            CREATE INDEX ON crm_iap_register_staging (register_number);
            ANALYZE crm_iap_register_staging;
            DELETE FROM crm_iap_register_staging s
             USING crm_iap_register_staging first
             WHERE first.register_number = s.register_number AND first.line_no < s.line_no
         RETURNING s.line_no, s.register_number
        """)
        duplicates = sorted(cr.fetchall())
        counters["bad_row_count"] += len(duplicates)
        return [
            self._describe_bad_row(line, BadRow("duplicate_number", number))
            for line, number in duplicates[:MAX_LISTED_BAD_ROWS]
        ]

    def _merge_staging(self, adapter, counters, report):
        """Insert the new companies, update the changed ones, archive the gone
        ones; `report(fraction done)` after each step."""
        cr = self.env.cr
        home_country = self.env["res.country"].search([("code", "=", adapter.country_code)], limit=1)
        params = {"register": adapter.code, "classification": adapter.classification, "uid": self.env.uid,
                  "home_country": home_country.id}
        cr.execute("""
            DROP TABLE IF EXISTS crm_iap_register_resolved;
            CREATE TEMP TABLE crm_iap_register_resolved ON COMMIT DROP AS
            SELECT s.register_number, COALESCE(s.name, u.name) AS name, s.street, s.city, s.zip, s.employees,
                   s.domain, COALESCE(s.founded_year, u.founded_year) AS founded_year,
                   COALESCE(country.id, %(home_country)s) AS country_id, state.id AS state_id, code.industry_id,
                   s.industry_code IS NOT NULL AND code.id IS NULL AS industry_unknown
              FROM crm_iap_register_staging s
              LEFT JOIN crm_iap_register_units u ON u.register_number = s.register_number
              -- An address abroad in a code Odoo does not know: the register's country.
              LEFT JOIN res_country country ON country.code = s.country_code
              LEFT JOIN (SELECT country_id, lower(name) AS name, min(id) AS id
                           FROM res_country_state GROUP BY country_id, lower(name)) state
                     ON state.country_id = COALESCE(country.id, %(home_country)s) AND state.name = lower(s.state_name)
              LEFT JOIN crm_iap_lead_industry_code code
                     ON code.classification = %(classification)s AND code.code = left(s.industry_code, 2)
             WHERE NOT s.skip;
            CREATE INDEX ON crm_iap_register_resolved (register_number);
            ANALYZE crm_iap_register_resolved;
            SELECT count(*), count(*) FILTER (WHERE industry_unknown) FROM crm_iap_register_resolved;
        """, params)
        staged, counters["unknown_industry_count"] = cr.fetchone()
        columns = ", ".join(column for column, _value in MERGED_COLUMNS)
        values = ", ".join(value for _column, value in MERGED_COLUMNS)
        current = ", ".join(f"d.{column}" for column, _value in MERGED_COLUMNS)
        updated_values = ", ".join(
            f"COALESCE({value}, d.{column})" if column in KEPT_UNLESS_GIVEN else value
            for column, value in MERGED_COLUMNS
        )
        cr.execute(f"""
            UPDATE crm_iap_lead_directory_company d
               SET ({columns}, write_uid, write_date) = ({updated_values}, %(uid)s, now() at time zone 'UTC')
              FROM crm_iap_register_resolved r
             WHERE d.register_code = %(register)s AND d.register_number = r.register_number
               AND ({current}) IS DISTINCT FROM ({updated_values})
        """, params)
        counters["updated_count"] = cr.rowcount
        report(READ_SHARE + (1 - READ_SHARE) / 3)
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
        counters["imported_count"] = cr.rowcount
        report(READ_SHARE + 2 * (1 - READ_SHARE) / 3)
        # Gone from the file (dissolved) or left out of it (closed, excluded):
        # archived, never deleted, so their delivery history stays.
        cr.execute("""
            UPDATE crm_iap_lead_directory_company d
               SET active = FALSE, write_uid = %(uid)s, write_date = now() at time zone 'UTC'
             WHERE d.register_code = %(register)s AND d.active
               AND NOT EXISTS (SELECT 1 FROM crm_iap_register_staging s WHERE s.register_number = d.register_number)
        """, params)
        counters["archived_count"] = cr.rowcount
        cr.execute("DROP TABLE crm_iap_register_resolved")
        counters["unchanged_count"] = staged - counters["imported_count"] - counters["updated_count"]
        report(1.0)

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    def _describe_file_error(self, error):
        register = dict(register_selection())[self.register_code]
        if error.kind == "register":
            return _("This is a file of %(other)s, not of %(register)s: choose the register it comes from.",
                     other=error.detail, register=register)
        if error.kind == "columns":
            return _("Line 1: this is not a file of %(register)s, the columns %(columns)s are missing. "
                     "Nothing was imported.", register=register, columns=error.detail)
        if error.kind == "units":
            return _("Line 1: the second file is not the legal units file of %(register)s, the columns %(columns)s "
                     "are missing. Nothing was imported.", register=register, columns=error.detail)
        if error.kind == "zip":
            if error.line:
                return _("Line %(line)s: the compressed file (zip or gzip) is damaged or cut short (%(detail)s). "
                         "Nothing was imported: download the file again.", line=error.line, detail=error.detail)
            return _("The zip archive cannot be read (%(detail)s). Nothing was imported: download the file again.",
                     detail=error.detail)
        if error.kind == "empty":
            return _("The file is empty. Nothing was imported.")
        if error.kind == "encoding":
            return _("Line %(line)s: the file is not UTF-8 text (%(detail)s). Nothing was imported.",
                     line=error.line, detail=error.detail)
        return _("Line %(line)s: the file is truncated or damaged (%(detail)s). "
                 "Nothing was imported: download the file again.", line=error.line, detail=error.detail)

    def _describe_bad_row(self, line, bad):
        if bad.reason == "missing_number":
            return _("Line %(line)s: the company number is missing.", line=line)
        if bad.reason == "bad_number":
            return _("Line %(line)s: %(value)s is not a valid register number.", line=line, value=bad.value)
        if bad.reason == "bad_employees":
            return _("Line %(line)s: %(value)s is not a number of employees.", line=line, value=bad.value)
        if bad.reason == "missing_name":
            return _("Line %(line)s: the company name is missing.", line=line)
        if bad.reason == "missing_unit":
            return _("Line %(line)s: the legal unit %(value)s is not in the legal units file.",
                     line=line, value=bad.value)
        if bad.reason == "bad_date":
            return _("Line %(line)s: %(value)s is not a date (dd/mm/yyyy).", line=line, value=bad.value)
        return _("Line %(line)s: the number %(value)s is already on an earlier line.", line=line, value=bad.value)


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
