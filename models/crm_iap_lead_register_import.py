"""One import of a public business register file into the company directory."""
import base64
import io
import logging
import os
import time
from collections import Counter
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.register_files import RegisterCsvReader, RegisterFileError, open_register_file
from ..tools.registers import ADAPTERS, BadRow, Excluded, RegisterCompany, detect_adapter
from .crm_iap_lead_dedupe import normalize_domain
from .crm_iap_lead_directory_company import register_selection

_logger = logging.getLogger(__name__)

# Rows sent to PostgreSQL per COPY: memory stays flat whatever the file size.
COPY_CHUNK_ROWS = 10000
MAX_LISTED_BAD_ROWS = 100
STAGING_COLUMNS = ("line_no", "skip") + RegisterCompany._fields
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


class CrmIapLeadRegisterImport(models.Model):
    """An import run: which register, which file, and what it changed.

    All or nothing: a file that cannot be read whole (truncated, damaged,
    another register's) changes nothing and says which line is wrong; a row
    with a bad value is skipped, counted and listed.
    """

    _name = "crm.iap.lead.register.import"
    _description = "Register Import"
    _order = "id desc"

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
    state = fields.Selection(
        [("draft", "Draft"), ("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed"),
         ("cancelled", "Cancelled")],
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
        self._set_state(("draft",), "running", {"user_id": self.env.user.id})
        with self._open_source() as binary:
            self._import_file(binary)
        return True

    def action_queue(self):
        """Import the file in the background (the national files take minutes)."""
        self.ensure_one()
        # Checked now, as the user: the cron runs as the superuser.
        self._check_source()
        self._set_state(("draft",), "queued", {"user_id": self.env.user.id})
        self.env.ref("crm_iap_mine.ir_cron_import_registers")._trigger()
        return True

    def action_cancel(self):
        self._set_state(("draft", "queued"), "cancelled")
        return True

    def _set_state(self, allowed_states, target_state, values=None):
        """The one way to move an import: only from `allowed_states`."""
        for run in self:
            if run.state not in allowed_states:
                raise UserError(_(
                    "This import is %(state)s: it cannot be started or cancelled any more. "
                    "Create a new one to import another file.",
                    state=dict(self._fields["state"]._description_selection(self.env))[run.state],
                ))
        self.write(dict(values or {}, state=target_state))

    @api.model
    def _cron_import_registers(self, autocommit=True):
        """Run the queued imports one by one, each in its own transaction:
        one that fails is marked failed and the next one still runs.

        :param autocommit: commit after each import (off in unit tests).
        """
        for run in self.search([("state", "=", "queued")], order="id"):
            run._set_state(("queued",), "running")
            if autocommit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # the user sees it running
            try:
                with self.env.cr.savepoint(), run._open_source() as binary:
                    run._import_file(binary)
            except Exception as error:  # pylint: disable=broad-except  # one bad import never stops the others
                _logger.exception("Register import %s failed", run.id)
                run._set_state(("running",), "failed", {"error_message": str(error)})
            if autocommit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # each import stands alone

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _check_source(self):
        if self.source == "upload":
            if not self.file:
                raise UserError(_("Upload the register file to import."))
            return
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators may import a file from the server."))
        path = self.sudo().server_path
        if not path or not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise UserError(_(
                "%(path)s is not a readable file on the server: give the full path of the register file.",
                path=path or "",
            ))

    @contextmanager
    def _open_source(self):
        if self.source == "upload":
            with io.BytesIO(base64.b64decode(self.file)) as binary:
                yield binary
            return
        with open(self.sudo().server_path, "rb") as binary:
            yield binary

    def _import_file(self, binary, progress=None):
        """Read, stage and merge the file; on a file error nothing changes.

        :param progress: called with the number of rows read so far, now and then.
        """
        started = time.monotonic()
        try:
            with self.env.cr.savepoint():
                counters = self._stage_and_merge(binary, progress)
        except RegisterFileError as error:
            self._set_state(("running",), "failed", {"error_message": self._describe_file_error(error)})
            return False
        self.env["crm.iap.lead.directory.company"].invalidate_model()
        counters["duration"] = time.monotonic() - started
        self._set_state(("running",), "done", counters)
        _logger.info("Register import %s: %s", self.id, counters)
        return True

    def _stage_and_merge(self, binary, progress):
        adapter = ADAPTERS[self.register_code]()
        with open_register_file(binary) as text:
            reader = RegisterCsvReader(text, adapter.delimiter)
            self._check_header(adapter, reader.header)
            self._create_staging_table()
            counters, bad_rows = self._stage_rows(adapter, reader, progress)
        bad_rows += self._drop_duplicate_numbers(counters)
        counters.update(self._merge_staging(adapter))
        counters["bad_rows"] = "\n".join(bad_rows[:MAX_LISTED_BAD_ROWS]) or False
        self.env.cr.execute("DROP TABLE crm_iap_register_staging")
        return counters

    def _check_header(self, adapter, header):
        if adapter.recognises(header):
            return
        other = detect_adapter(header)
        if other:
            raise RegisterFileError("register", line=1, detail=other.label)
        raise RegisterFileError("columns", line=1, detail=", ".join(adapter.missing_columns(header)))

    def _create_staging_table(self):
        self.env.cr.execute("""
            DROP TABLE IF EXISTS crm_iap_register_staging;
            CREATE TEMP TABLE crm_iap_register_staging (
                line_no integer NOT NULL, skip boolean NOT NULL, register_number varchar NOT NULL,
                name varchar, street varchar, city varchar, zip varchar, state_name varchar,
                country_code varchar, industry_code varchar, employees integer, domain varchar,
                founded_year integer
            ) ON COMMIT DROP
        """)

    def _stage_rows(self, adapter, reader, progress):
        """COPY the rows into the staging table, chunk by chunk."""
        counters = Counter()
        bad_rows = []
        chunk = io.StringIO()
        pending = 0
        for line, row in reader:
            counters["rows_read"] += 1
            try:
                company = adapter.parse_row(row)
            except BadRow as bad:
                counters["bad_row_count"] += 1
                if len(bad_rows) < MAX_LISTED_BAD_ROWS:
                    bad_rows.append(self._describe_bad_row(line, bad))
                if not bad.register_number:
                    continue
                # Skipped, not gone: its company must not be archived.
                values = (line, True, bad.register_number) + (None,) * (len(STAGING_COLUMNS) - 3)
            except Excluded as excluded:
                counters[f"excluded_{excluded.reason}"] += 1
                continue
            else:
                if company.domain:
                    # The dedupe compares normalised domains.
                    company = company._replace(domain=normalize_domain(company.domain) or None)
                values = (line, False) + company
            chunk.write("\t".join(map(_copy_value, values)))
            chunk.write("\n")
            pending += 1
            if pending >= COPY_CHUNK_ROWS:
                self._copy_chunk(chunk)
                chunk = io.StringIO()
                pending = 0
                if progress:
                    progress(counters["rows_read"])
        self._copy_chunk(chunk)
        if progress:
            progress(counters["rows_read"])
        return {
            "rows_read": counters["rows_read"],
            "bad_row_count": counters["bad_row_count"],
            "excluded_closed_count": counters["excluded_closed"],
            "excluded_person_count": counters["excluded_natural_person"],
            "excluded_private_count": counters["excluded_non_diffusible"],
        }, bad_rows

    def _copy_chunk(self, chunk):
        chunk.seek(0)
        self.env.cr.copy_expert(
            f"COPY crm_iap_register_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN", chunk,
        )

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

    def _merge_staging(self, adapter):
        """Insert the new companies, update the changed ones, archive the gone ones."""
        cr = self.env.cr
        home_country = self.env["res.country"].search([("code", "=", adapter.country_code)], limit=1)
        params = {"register": adapter.code, "classification": adapter.classification, "uid": self.env.uid,
                  "home_country": home_country.id}
        cr.execute("""
            DROP TABLE IF EXISTS crm_iap_register_resolved;
            CREATE TEMP TABLE crm_iap_register_resolved ON COMMIT DROP AS
            SELECT s.register_number, s.name, s.street, s.city, s.zip, s.employees, s.domain, s.founded_year,
                   COALESCE(country.id, %(home_country)s) AS country_id, state.id AS state_id, code.industry_id,
                   s.industry_code IS NOT NULL AND code.id IS NULL AS industry_unknown
              FROM crm_iap_register_staging s
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
        staged, unknown_industry = cr.fetchone()
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
        # Gone from the file (dissolved) or left out of it (closed, excluded):
        # archived, never deleted, so their delivery history stays.
        cr.execute("""
            UPDATE crm_iap_lead_directory_company d
               SET active = FALSE, write_uid = %(uid)s, write_date = now() at time zone 'UTC'
             WHERE d.register_code = %(register)s AND d.active
               AND NOT EXISTS (SELECT 1 FROM crm_iap_register_staging s WHERE s.register_number = d.register_number)
        """, params)
        archived = cr.rowcount
        cr.execute("DROP TABLE crm_iap_register_resolved")
        return {
            "imported_count": imported,
            "updated_count": updated,
            "unchanged_count": staged - imported - updated,
            "archived_count": archived,
            "unknown_industry_count": unknown_industry,
        }

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
        if bad.reason == "bad_date":
            return _("Line %(line)s: %(value)s is not a date (dd/mm/yyyy).", line=line, value=bad.value)
        return _("Line %(line)s: the number %(value)s is already on an earlier line.", line=line, value=bad.value)


def _copy_value(value):
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)
