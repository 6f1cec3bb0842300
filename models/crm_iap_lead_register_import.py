"""One import of a public business register file into the company directory."""
import base64
import io
import logging
import os
import stat
import time
from contextlib import ExitStack, contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config, formatLang

from ..const import IMPORT_STATE_TRANSITIONS
from ..tools import register_files
from ..tools.register_files import RegisterFileError
from ..tools.registers import ADAPTERS
from ..tools.registers.loader import RegisterLoader
from .crm_iap_lead_directory_company import register_selection

_logger = logging.getLogger(__name__)

# Rows read per step of the loader (one COPY each): memory stays flat
# whatever the file size, and a cancel is seen within a step.
COPY_CHUNK_ROWS = 10000
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


# The option of the server's configuration file naming the one folder server
# imports read from; none by default, which turns server imports off.
REGISTER_DIR_OPTION = "crm_iap_mine_register_dir"
# Fields only an administrator gives: the file on the server (the cron opens
# it as the superuser), and those only the module writes (see `_update_state`).
SERVER_FIELDS = ("server_path", "second_server_path")
MODULE_FIELDS = ("state", "user_id")

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
                                    help="Companies gone from the file, or closed.")
    undeliverable_count = fields.Integer(
        string="Imported, Not Deliverable", readonly=True,
        help="Companies on their way out (bankrupt, in liquidation, administration or receivership, proposed for "
             "strike-off, winding up): kept with their register status, never delivered.")
    excluded_closed_count = fields.Integer(string="Excluded: Closed or Dissolved", readonly=True)
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

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._check_values(vals) for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        return super().write(self._check_values(vals))

    def _check_values(self, vals):
        """Drop what only the module writes (the state and who started the
        import), unless it writes it; refuse a file on the server from
        anyone but an administrator."""
        if self.env.su:
            return vals
        vals = {key: value for key, value in vals.items() if key not in MODULE_FIELDS}
        if (vals.get("source") == "server" or any(key in vals for key in SERVER_FIELDS)) \
                and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators may import a file from the server."))
        return vals

    def _check_administrator(self):
        """Imports write the shared directory: administrators only."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators may import a public register."))

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
        self._check_administrator()
        self._check_source()
        self._update_state("queued", {"user_id": self.env.user.id})._update_state("running")
        with self._open_sources() as binaries:
            self._import_file(binaries)
        return True

    def action_queue(self):
        """Import the file in the background (the national files take minutes)."""
        self.ensure_one()
        # Checked now, as the user: the cron runs as the superuser.
        self._check_administrator()
        self._check_source()
        self._update_state("queued", {"user_id": self.env.user.id})
        self.env.ref("crm_iap_mine.ir_cron_import_registers")._trigger()
        return True

    def action_cancel(self):
        """Cancel a queued import; a running one stops at its next chunk of
        rows and changes nothing (all or nothing)."""
        self._check_administrator()
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
            self._open_server_file(path).close()

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
                # Again here: the cron opens it as the superuser.
                user = self.user_id or self.env.user
                if not user.has_group("base.group_system"):
                    raise AccessError(_("Only administrators may import a file from the server."))
                yield [stack.enter_context(self._open_server_file(path)) for path in self._server_paths()]

    @api.model
    def _open_server_file(self, path):
        """Open a register file of the server's register folder, for reading.

        Only a regular file inside the folder named by the option
        REGISTER_DIR_OPTION of the configuration file: the path is resolved
        (`realpath`), a symbolic link is refused (`O_NOFOLLOW`), and the file
        is checked once open (`fstat`), opened without waiting (`O_NONBLOCK`:
        a FIFO never hangs the worker).

        :raise UserError: no folder is configured, or the path is refused.
        """
        folder = config.get(REGISTER_DIR_OPTION)
        if not folder:
            raise UserError(_(
                "Imports from the server are off: the server's configuration file names no register folder "
                "(option %(option)s).", option=REGISTER_DIR_OPTION))
        folder = os.path.realpath(folder)
        given = os.path.abspath(os.path.join(folder, path or ""))
        if os.path.commonpath([folder, os.path.realpath(given)]) != folder:
            raise UserError(_("%(path)s is not in the register folder of the server, %(folder)s.",
                              path=path, folder=folder))
        refused = UserError(_(
            "%(path)s is not a readable file on the server: give the full path of the register file.",
            path=path or "",
        ))
        try:
            fd = os.open(given, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            raise refused from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise refused
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

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
        """Drive the loader through its steps, `progress` after each; return
        the import's counts as its field values."""
        adapter = ADAPTERS[self.register_code]()
        home_country = self.env["res.country"].search([("code", "=", adapter.country_code)], limit=1)
        loader = RegisterLoader(self.env.cr, adapter, self.id, uid=self.env.uid, home_country_id=home_country.id)

        def report(fraction):
            progress(self._report_counts(loader.counters), fraction)

        with loader.open(binaries):
            loader.create_staging()
            while True:
                staged = loader.stage(COPY_CHUNK_ROWS)
                report(READ_SHARE * staged.fraction)
                if staged.done:
                    break
        loader.drop_duplicates()
        loader.apply_units()
        report(READ_SHARE)
        loader.merge()
        report(READ_SHARE + 2 * (1 - READ_SHARE) / 3)
        loader.archive()
        loader.drop_staging()
        report(1.0)
        counters = loader.counters
        values = dict(
            self._report_counts(counters), unchanged_count=counters["unchanged_count"],
            undeliverable_count=counters["undeliverable_count"], unknown_industry_count=counters["unknown_industry_count"],
            excluded_closed_count=counters["excluded_closed"],
            excluded_person_count=counters["excluded_natural_person"],
            excluded_private_count=counters["excluded_non_diffusible"],
            bad_rows="\n".join(self._describe_bad_row(line, bad) for line, bad in loader.bad_rows) or False,
        )
        del values["excluded_count"]
        return values

    @staticmethod
    def _report_counts(counters):
        """The counts the progress shows (PROGRESS_COUNTS), from the loader's counters."""
        counts = {count: counters[count] for count in PROGRESS_COUNTS}
        counts["excluded_count"] = sum(value for key, value in counters.items() if key.startswith("excluded_"))
        return counts

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
                            "import": self.display_name, "imported": formatLang(self.env, self.imported_count, digits=0),
                            "updated": formatLang(self.env, self.updated_count, digits=0),
                            "archived": formatLang(self.env, self.archived_count, digits=0)})
        elif self.state == "error":
            message = _("%(import)s failed: %(error)s", **{"import": self.display_name, "error": self.error_message})
        else:
            message = _("%(import)s was cancelled: nothing changed in the directory.", **{
                "import": self.display_name})
        self.env["bus.bus"]._sendone(self.user_id.partner_id, "simple_notification", {
            "title": _("Register Import"), "message": message, "sticky": self.state != "done",
            "type": {"done": "success", "error": "danger"}.get(self.state, "warning"),
        })

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
        if error.kind == "line_too_long":
            return _("Line %(line)s is longer than %(limit)s characters, more than any register file has. "
                     "Nothing was imported.", line=error.line, limit=formatLang(self.env, register_files.MAX_LINE_CHARS, digits=0))
        if error.kind == "element_too_long":
            return _("Element %(line)s of the JSON array is longer than %(limit)s characters, more than any register "
                     "file has. Nothing was imported.", line=error.line, limit=formatLang(self.env, register_files.MAX_ELEMENT_CHARS, digits=0))
        if error.kind == "json":
            return _("Element %(line)s: the file is not a JSON array of objects as the register publishes it "
                     "(%(detail)s). Nothing was imported.", line=error.line, detail=error.detail)
        if error.kind == "too_big":
            return _("The compressed file holds more than %(limit)s bytes, more than any register file: it was "
                     "not read further. Nothing was imported.", limit=formatLang(self.env, register_files.MAX_DECOMPRESSED_BYTES, digits=0))
        if error.kind == "ratio":
            return _("The compressed file expands to more than %(ratio)s times its size, which no register file "
                     "does: it was not read further. Nothing was imported.",
                     ratio=register_files.MAX_COMPRESSION_RATIO)
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
        if bad.reason == "bad_siret":
            return _("Line %(line)s: %(value)s is not a valid SIRET (14 digits starting with the SIREN).",
                     line=line, value=bad.value)
        if bad.reason == "nul_byte":
            return _("Line %(line)s: the column %(column)s holds a NUL byte.", line=line, column=bad.value)
        if bad.reason == "too_long":
            return _("Line %(line)s: the column %(column)s is longer than the register publishes.",
                     line=line, column=bad.value)
        if bad.reason == "too_big":
            return _("Line %(line)s: %(value)s is too big a number.", line=line, value=bad.value)
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

