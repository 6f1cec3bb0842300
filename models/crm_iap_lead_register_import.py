"""One import of a public business register file into the company directory."""
import base64
import io
import logging
import os
import re
import stat
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager

from markupsafe import Markup

from odoo import _, _lt, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config, formatLang

from ..const import IMPORT_STATE_TRANSITIONS
from ..tools import register_files
from ..tools.register_files import RegisterFileError
from ..tools.registers import ADAPTERS
from ..tools.registers.base import BadRow
from ..tools.registers.loader import RegisterLoader, drop_staging_tables
from .crm_iap_lead_directory_company import register_selection

_logger = logging.getLogger(__name__)

# Bytes of the files read per step (one COPY each), and companies merged per
# step: memory stays flat whatever the file size, and a step stays a few
# seconds long, far under any time budget.
READ_CHUNK_BYTES = 16 << 20
MERGE_CHUNK_ROWS = 50000
# The progress bar: reading the files is this share of the work, the merge the rest.
READ_SHARE = 0.9
# Background runs in a row that may end without committing a step (a killed
# worker, a failing step) before the import is given up.
MAX_STALLED_RUNS = 3
# A complete snapshot that would archive more than this share of the
# register's active companies waits for a confirmation (a partial file
# taken for a complete one would archive the rest of the register).
ARCHIVE_CONFIRM_SHARE = 0.1
# The live counts of the imports running, written in a cursor of its own
# (*Import Now* keeps its transaction open until the end): a table of its own,
# never written by the import's transaction, so neither waits for the other.
PROGRESS_TABLE = "crm_iap_lead_register_import_progress"
PROGRESS_COUNTS = ("rows_read", "excluded_count", "bad_row_count", "imported_count", "updated_count",
                   "archived_count")


# The option of the server's configuration file naming the one folder server
# imports read from; none by default, which turns server imports off.
REGISTER_DIR_OPTION = "crm_iap_mine_register_dir"
# Fields only an administrator gives: the file on the server (the cron opens
# it as the superuser), and those only the module writes (see `_update_state`).
SERVER_FIELDS = ("server_path", "second_server_path")
MODULE_FIELDS = ("state", "user_id", "phase", "loader_state", "stalled_runs", "archive_confirmed",
                 "to_archive_count", "active_before_count", "events_recorded", "watched_up_to", "alert_count",
                 "extract_number")
# Events the watch step reads per step (see `_watch_step`): each step's
# activities and notes are one transaction of seconds, whatever the import.
WATCH_CHUNK_EVENTS = 2000
# The events the register watch tells the CRM of (a status: only a company
# on its way out, see REGISTER_STATUSES), and the system parameter naming
# those that also give the salesperson an activity (a comma-separated list;
# by default WATCH_ACTIVITY_DEFAULT). In the order the settings offer them.
WATCHED_KINDS = ("status", "gone", "back", "address", "name")
WATCH_ACTIVITY_PARAM = "crm_iap_mine.watch_activity_kinds"
WATCH_ACTIVITY_DEFAULT = "status,gone"

SECOND_FILE_HELP = ("INSEE SIRENE comes as two files, the establishments and the legal units: "
                    "give both, in either order.")
# Which files of each register to import, shown on the form with where to
# download them (the adapter's `download_url`).
REGISTER_FILES = {
    "gb_companies_house": _lt(
        "Import BasicCompanyDataAsOneFile-YYYY-MM-DD.zip, the whole register, as a complete snapshot. "
        "The same data also comes in parts (BasicCompanyData-YYYY-MM-DD-partN_7.zip): import each part as a "
        "partial file."),
    "fr_sirene": _lt(
        "Two files are needed, of the same month: StockEtablissement_utf8.zip (the establishments) and "
        "StockUniteLegale_utf8.zip (the legal units), in either order. Together they are the whole register."),
    "no_brreg": _lt(
        "Download all main units (enheter), as JSON (enheter_alle.json.gz) or as CSV (enheter_alle.csv.gz): "
        "either is the whole register. The sub-units (underenheter) are not imported."),
    "be_kbo": _lt(
        "Import the full extract, KboOpenData_NNNN_YYYY_MM_DD_Full.zip, as it is downloaded (a zip of CSV "
        "files): it is the whole register. Its enterprises, names, addresses, contacts and main activities "
        "are read together. Then import the daily updates, KboOpenData_NNNN_YYYY_MM_DD_Update.zip, one after "
        "the other in the order of their numbers NNNN, starting with the one after the full extract's: an "
        "update whose number does not follow the last imported extract's is refused."),
    "ee_ariregister": _lt(
        "Two files: the e-Business Register's simple data (ettevotja_rekvisiidid__lihtandmed.csv.zip), the whole "
        "register, and the Tax and Customs Board's taxes paid, turnover and employees "
        "(tasutud_maksud_kaesolev_aasta.csv, or an older per-quarter file), in either order."),
    "dk_cvr": _lt(
        "Make the dump with scripts/registers/dump_dk_cvr.py and your CVR system-to-system credentials "
        "(cvr_virksomheder.jsonl.gz, one company per line): it is the whole register. Companies refusing "
        "advertising are imported but never delivered."),
}


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
    file_scope = fields.Selection(
        [("partial", "Partial file or update"), ("complete", "Complete snapshot")],
        string="The File Is", required=True, default="partial",
        help="A complete snapshot holds the whole register: its companies missing from the file are archived. "
        "A partial file or an update (a regional extract, one part of a multi-part product) adds and updates "
        "companies, and archives only those the file itself marks as closed, excluded or deleted.",
    )
    archive_confirmed = fields.Boolean(readonly=True, copy=False)
    # The extract's sequence number, where the register gives one (Belgium's
    # KBO, meta.csv): updates are applied in its order.
    extract_number = fields.Integer(
        readonly=True, copy=False,
        help="The number the register gives its extract: an update extract is imported only right after the "
             "extract numbered one less.")
    file_date = fields.Date(
        default=fields.Date.context_today, required=True,
        help="The date the register gave its file: read from the file name where the register puts it "
             "(Companies House), else today unless you give it. Files are imported in date order.")
    force_older = fields.Boolean(
        string="Import Although Older",
        help="Import a file older than the register's last imported one. Its changes are then not recorded "
             "as events, and raise no alerts: they would say a company went back in time.")
    # Whether the import records what it changes as events (decided when it
    # starts: not when forced in out of date order) and alerts the CRM.
    events_recorded = fields.Boolean(readonly=True, copy=False)
    event_ids = fields.One2many("crm.iap.lead.directory.event", "import_id", string="Events", readonly=True)
    event_count = fields.Integer(string="Changes Recorded", compute="_compute_event_count")
    # The last event the watch step went through (see `_watch_step`).
    watched_up_to = fields.Integer(readonly=True, copy=False)
    alert_count = fields.Integer(
        string="Alerts", readonly=True, copy=False,
        help="Leads, opportunities and customers told of an event of their company (a note, and an activity "
             "for the salesperson when the settings ask for one).")
    to_archive_count = fields.Integer(string="Companies to Archive", readonly=True, copy=False)
    active_before_count = fields.Integer(string="Active Companies of the Register", readonly=True, copy=False)
    archive_warning = fields.Text(compute="_compute_archive_warning")
    register_files_help = fields.Html(string="Where to Download", compute="_compute_register_files_help")
    result_summary = fields.Text(string="Result", compute="_compute_result_summary")
    state = fields.Selection(
        [("draft", "Draft"), ("queued", "Queued"), ("running", "Running"), ("to_confirm", "To Confirm"),
         ("done", "Done"), ("error", "Error"), ("cancel", "Cancelled")],
        required=True, default="draft", readonly=True,
    )
    user_id = fields.Many2one("res.users", string="Started By", readonly=True)
    # Where a running import stands: its steps go read -> prepare (duplicates,
    # legal units) -> merge -> archive, each committed in the background with
    # the loader's state (position in the files, counts, last number merged).
    phase = fields.Selection(
        [("read", "Reading"), ("prepare", "Checking"), ("merge", "Merging"), ("archive", "Archiving"),
         ("watch", "Alerting")],
        default="read", required=True, readonly=True, copy=False,
    )
    loader_state = fields.Json(readonly=True, copy=False)
    stalled_runs = fields.Integer(
        readonly=True, copy=False,
        help="Background runs in a row that committed no step; the import goes to Error at the third.",
    )
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
    advertising_protected_count = fields.Integer(
        string="Imported, Refusing Advertising", readonly=True,
        help="Companies the register marks as refusing advertising (Denmark's reklamebeskyttelse, a legal duty): "
             "imported, so that the CRM can match and enrich them, never delivered.")
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

    def init(self):
        # The columns are PROGRESS_COUNTS.
        self.env.cr.execute("""
            CREATE TABLE IF NOT EXISTS crm_iap_lead_register_import_progress (
                import_id integer PRIMARY KEY, progress float NOT NULL DEFAULT 0,
                rows_read integer NOT NULL DEFAULT 0, excluded_count integer NOT NULL DEFAULT 0,
                bad_row_count integer NOT NULL DEFAULT 0, imported_count integer NOT NULL DEFAULT 0,
                updated_count integer NOT NULL DEFAULT 0, archived_count integer NOT NULL DEFAULT 0
            )
        """)

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._check_values(vals) for vals in vals_list]
        for vals in vals_list:
            if not vals.get("file_date"):
                file_date = self._file_date_from_names(
                    vals.get("register_code") or self.default_get(["register_code"]).get("register_code"),
                    [vals.get("file_name"), vals.get("server_path")])
                if file_date:
                    vals["file_date"] = file_date
        return super().create(vals_list)

    @api.model
    def _file_date_from_names(self, register_code, names):
        """The file's date, where the register names it in the file name; else None."""
        pattern = register_code and ADAPTERS[register_code].file_date_pattern
        for name in names if pattern else ():
            found = name and re.search(pattern, os.path.basename(name), re.IGNORECASE)
            if found:
                try:
                    return fields.Date.to_date("-".join(found.groups()))
                except ValueError:
                    continue
        return None

    @api.onchange("register_code", "file_name", "server_path")
    def _onchange_file_date(self):
        for run in self.filtered(lambda run: run.state == "draft"):
            file_date = run._file_date_from_names(run.register_code, [run.file_name, run.sudo().server_path])
            if file_date:
                run.file_date = file_date

    def _compute_event_count(self):
        counts = dict(self.env["crm.iap.lead.directory.event"]._read_group(
            [("import_id", "in", self.ids)], ["import_id"], ["__count"]))
        for run in self:
            run.event_count = counts.get(run, 0)

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

    @api.onchange("register_code", "file_name", "second_file_name", "server_path", "second_server_path", "source")
    def _onchange_propose_file_scope(self):
        """A file named like the register's complete product is proposed as
        a complete snapshot (the user confirms by saving); any other as a
        partial file."""
        for run in self.filtered(lambda run: run.state == "draft"):
            run.file_scope = "complete" if run._is_complete_product() else "partial"

    def _is_complete_product(self):
        """Whether the files' names are those of the register's complete product."""
        if not self.register_code:
            return False
        adapter = ADAPTERS[self.register_code]
        if self.source == "server":
            names = [os.path.basename(path or "") for path in (self.sudo().server_path, self.sudo().second_server_path)]
        else:
            names = [self.file_name or "", self.second_file_name or ""]
        if not self.needs_second_file:
            names = names[:1]
        patterns = [adapter.complete_file_names, adapter.complete_unit_file_names][:len(names)]
        if not all(patterns):
            return False
        # SIRENE's two files come in either order.
        return any(all(re.search(pattern, name, re.IGNORECASE) for pattern, name in zip(patterns, order))
                   for order in (names, names[::-1]))

    @api.depends("state", "to_archive_count", "active_before_count")
    def _compute_archive_warning(self):
        for run in self:
            run.archive_warning = run._describe_archive_to_confirm() if run.state == "to_confirm" else False

    @api.depends("register_code")
    def _compute_needs_second_file(self):
        for run in self:
            run.needs_second_file = bool(run.register_code and ADAPTERS[run.register_code].unit_required_columns)

    def _compute_progress(self):
        self.env.cr.execute(f"""
            SELECT import_id, progress, {", ".join(PROGRESS_COUNTS)}
              FROM {PROGRESS_TABLE} WHERE import_id = ANY(%s)
        """, (self.ids,))
        live = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for run in self:
            values = live.get(run.id, (0.0,) + (0,) * len(PROGRESS_COUNTS))
            run.progress = 100 * values[0]
            for count, value in zip(PROGRESS_COUNTS, values[1:]):
                run[f"live_{count}"] = value

    @api.depends("register_code", "create_date")
    def _compute_display_name(self):
        labels = dict(register_selection())
        for run in self:
            register = labels.get(run.register_code) or _("Register")
            if run.create_date:
                run.display_name = _("%(register)s import of %(date)s", register=register,
                                     date=fields.Date.to_string(run.create_date))
            else:   # not saved yet
                run.display_name = _("New %(register)s import", register=register)

    @api.depends("register_code")
    def _compute_register_files_help(self):
        for run in self:
            adapter = ADAPTERS.get(run.register_code)
            if not adapter:
                run.register_files_help = False
                continue
            run.register_files_help = Markup(
                '<p>%s <a href="%s" target="_blank" rel="noopener noreferrer">%s</a></p><p>%s</p>'
            ) % (_("Download its files from"), adapter.download_url, adapter.download_url,
                 REGISTER_FILES[run.register_code])

    @api.depends("state", "file_scope", "rows_read", "imported_count", "updated_count", "unchanged_count",
                 "archived_count", "excluded_closed_count", "excluded_person_count", "excluded_private_count",
                 "bad_row_count", "undeliverable_count", "unknown_industry_count", "events_recorded", "force_older",
                 "alert_count", "advertising_protected_count")
    def _compute_result_summary(self):
        for run in self:
            run.result_summary = run._describe_result() if run.state == "done" else False

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_import(self):
        """Import the file now, in this transaction (a file small enough for
        the time limit of a web request)."""
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
        """Cancel the import at once, wherever it stands: its staging is
        dropped; what it merged already stays, nothing more is archived.
        A background step in progress is waited for (`_lock_running`)."""
        self._check_administrator()
        self._update_state("cancel")
        return True

    def action_confirm_archive(self):
        """Confirm a complete snapshot stopped before archiving more than
        10 % of the register: the job merges and archives it."""
        self.ensure_one()
        self._check_administrator()
        self._update_state("queued", {"archive_confirmed": True})
        self.env.ref("crm_iap_mine.ir_cron_import_registers")._trigger()
        return True

    def _state_refusal(self, target_state):
        return _(
            "This import is %(state)s: it cannot be started or cancelled any more. "
            "Create a new one to import another file.",
            state=self._state_label(self.state),
        )

    def _on_state_reached(self, target_state):
        """An import that ends drops its staging tables, in the same transaction."""
        if target_state in ("done", "error", "cancel"):
            for run in self:
                drop_staging_tables(self.env.cr, run.id)
        if target_state == "done":
            # New companies, new combinations: the lookalike ranking counts them.
            self.env.ref("crm_iap_mine.ir_cron_lookalike_learn")._trigger()
        return super()._on_state_reached(target_state)

    @api.model
    def _cron_import_registers(self, autocommit=True):
        """Take the queued and running imports through their steps, oldest
        first, until the run's time budget is spent (`_cron_time_budget`),
        then trigger the job again: a worker's time limit never kills it,
        and one that is killed anyway is resumed by the next run from its
        last committed step. One import that fails never stops the others.

        :param autocommit: commit after each step (off in unit tests, which
          must not commit their transaction: steps run in savepoints there).
        """
        budget = self._cron_time_budget()
        deadline = time.monotonic() + budget if budget else None
        for run in self.search([("state", "in", ("queued", "running"))], order="id"):
            while run.state in ("queued", "running"):
                if deadline and time.monotonic() >= deadline:
                    self.env.ref("crm_iap_mine.ir_cron_import_registers")._trigger()
                    return
                run._run_attempt(deadline, autocommit)

    @api.model
    def _cron_time_budget(self):
        """Seconds a run of the import job may work: half the time limit of
        the cron workers (`limit_time_real_cron`, or `limit_time_real` when
        it is -1), so the pass over the database's other jobs fits too, and
        half their CPU limit (`limit_time_cpu`: reading is mostly Python);
        None when there is no limit."""
        real = config.get("limit_time_real_cron")
        if real is None or real < 0:
            real = config.get("limit_time_real")
        limits = [limit for limit in (real, config.get("limit_time_cpu")) if limit and limit > 0]
        return min(limits) / 2 if limits else None

    def _run_attempt(self, deadline, autocommit):
        """One attempt at going on with this import, until it ends or the
        deadline passes. The attempt is counted (committed) before it starts
        and the count cleared by each committed step: an attempt killed or
        failing before its first step leaves it counted, and after
        MAX_STALLED_RUNS of them in a row the import goes to *Error*."""
        self.ensure_one()
        cr = self.env.cr
        self.invalidate_recordset()   # the job's list may be stale: cancelled meanwhile
        if self.state not in ("queued", "running"):
            return
        if self.stalled_runs >= MAX_STALLED_RUNS:
            last_error = ": " + self.error_message if self.error_message else ""
            self._update_state("error", {"error_message": _(
                "The import stopped: its last %(attempts)s runs in the background made no progress "
                "(the server stopped them, or they failed%(error)s). Import the file again; if it stops again, "
                "ask your administrator to check the server's log.",
                attempts=MAX_STALLED_RUNS, error=last_error,
            )})
            self._notify_user()
            if autocommit:
                cr.commit()  # pylint: disable=invalid-commit  # the import is given up
            return
        if self.state == "queued":
            self._update_state("running")
        self.sudo().stalled_runs += 1
        if autocommit:
            cr.commit()  # pylint: disable=invalid-commit  # counted even if the worker is killed
        try:
            self._run_steps(deadline=deadline, autocommit=autocommit)
        except UserError as error:  # the server file refused, its user no longer an administrator
            if autocommit:
                cr.rollback()
            self.env.invalidate_all()
            self._update_state("error", {"error_message": str(error)})
        except Exception as error:  # pylint: disable=broad-except  # retried, then given up (above)
            _logger.exception("Register import %s: a step failed", self.id)
            if autocommit:
                cr.rollback()  # also a new snapshot: a conflict may not meet the next attempt
            self.env.invalidate_all()
            self.sudo().error_message = str(error)
        if self.state in ("done", "error", "to_confirm"):
            self._notify_user()
        if autocommit:
            cr.commit()  # pylint: disable=invalid-commit  # how the attempt ended

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _check_file_order(self):
        """Refuse a file older than the register's last imported one, unless
        forced: then its changes are recorded as no event (see `events_recorded`)."""
        later = self.sudo().search_count([
            ("register_code", "=", self.register_code), ("state", "=", "done"), ("id", "!=", self.id),
            ("file_date", ">", self.file_date)])
        if later and not self.force_older:
            raise UserError(_(
                "This file of %(date)s is older than the last file of the register imported. Files are imported "
                "in date order: tick Import Although Older to import it anyway (its changes then record no "
                "events and raise no alerts).", date=fields.Date.to_string(self.file_date)))
        self.sudo().events_recorded = not later

    def _check_source(self):
        self._check_file_order()
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
        if self.needs_second_file and self.register_code != "fr_sirene":
            return _("%(register)s comes as two files: give both. %(files)s",
                     register=dict(register_selection())[self.register_code],
                     files=REGISTER_FILES[self.register_code])
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
        """Import the files now, every step in this transaction (*Import
        Now*, the command line); a file error ends the import in *Error*.

        :param progress: called with the counters so far (a dict) and the
          fraction done after each step; by default, the live counts of the form.
        """
        self._run_steps(binaries=binaries, progress=progress)
        self.env["crm.iap.lead.directory.company"].invalidate_model()
        _logger.info("Register import %s ended %s", self.id, self.state)
        return self.state == "done"

    def _run_steps(self, deadline=None, autocommit=False, binaries=None, progress=None):
        """Take this running import through its steps from where it stands
        until it ends, is cancelled, or `deadline` (a `time.monotonic()`)
        passes after a step: one step at least, so every run progresses.

        :param autocommit: commit each step (the background job); else each
          step is a savepoint of the caller's transaction.
        :param binaries: the open files; by default opened here.
        """
        self.ensure_one()
        loader = self._loader()
        if self.loader_state and loader.staging_lost():
            _logger.warning("Register import %s: its staging was lost (a database crash?), starting again",
                            self.id)
            self.sudo().write({"phase": "read", "loader_state": False})
            loader = self._loader()

        steps = 0

        def go_on():
            return self.state == "running" and not (steps and deadline and time.monotonic() >= deadline)

        try:
            if self.phase == "read" and go_on():
                with ExitStack() as stack:
                    if binaries is None:
                        binaries = stack.enter_context(self._open_sources())
                    stack.enter_context(loader.open(binaries))
                    refusal = self._check_extract(loader)
                    if refusal:
                        self._update_state("error", {"error_message": refusal})
                        return
                    while self.phase == "read" and go_on():
                        steps += self._step(loader, self._read_step, autocommit, progress)
        except RegisterFileError as error:
            self._update_state("error", {"error_message": self._describe_file_error(error)})
            return
        steps_of_phase = {"prepare": self._prepare_step, "merge": self._merge_step, "archive": self._archive_step,
                          "watch": self._watch_step}
        while go_on():
            steps += self._step(loader, steps_of_phase[self.phase], autocommit, progress)

    def _check_extract(self, loader):
        """Note the extract's number and kind (`loader.extract`, read as the
        files are opened); before the first step, refuse an update extract
        that does not follow the register's last import done (the full
        extract or update it applies to): return why, else None. Checked as
        the import runs, not as it is queued: an update queued after the one
        before it is checked once that one is done."""
        run = self.sudo()
        number, update = loader.extract.get("number"), loader.is_update
        if run.extract_number != (number or 0):
            run.extract_number = number or 0
        if not update or self.loader_state:
            return None
        if run.file_scope != "partial":
            run.file_scope = "partial"   # an update is never the whole register
        register = dict(register_selection())[self.register_code]
        if number is None:
            return _("This update extract of %(register)s does not give its number (ExtractNumber in meta.csv): "
                     "it cannot be applied in order. Nothing was imported.", register=register)
        last = run.search([("register_code", "=", self.register_code), ("state", "=", "done"),
                           ("id", "!=", self.id)], order="id desc", limit=1)
        if not last.extract_number:
            return _("This is update extract number %(given)s of %(register)s, but no extract of a known number "
                     "was imported before it: import the full extract first, then its updates in the order of "
                     "their numbers. Nothing was imported.", given=number, register=register)
        if number != last.extract_number + 1:
            return _("This is update extract number %(given)s of %(register)s, but the last extract imported is "
                     "number %(last)s: the update expected is number %(expected)s. Updates are imported one after "
                     "the other in the order of their numbers. Nothing was imported.",
                     given=number, register=register, last=last.extract_number, expected=last.extract_number + 1)
        return None

    def _loader(self):
        """The loader of this import, where its last committed step left it."""
        run = self.sudo()
        adapter = ADAPTERS[self.register_code](file_names=[
            os.path.basename(name or "") for name in (run.file_name, run.second_file_name, run.server_path,
                                                      run.second_server_path)])
        home_country = self.env["res.country"].search([("code", "=", adapter.country_code)], limit=1)
        return RegisterLoader(self.env.cr, adapter, self.id, uid=self.env.uid, home_country_id=home_country.id,
                              state=self.loader_state, events_date=self.events_recorded and self.file_date or None)

    def _step(self, loader, work, autocommit, progress):
        """Run one step, `work(loader)` (its phase's method), in a savepoint
        committed at once in the background, with the loader's state: a
        killed worker loses the step in flight only. Return False, doing
        nothing, when the import is no longer running (cancelled)."""
        started = time.monotonic()
        with self.env.cr.savepoint():
            if not self._lock_running():
                return False
            values = work(loader) or {}
            if self.state in ("running", "to_confirm", "done"):
                # Kept when done: its counters and the time of each phase.
                self.sudo().write(dict(values, loader_state=loader.saved_state(), stalled_runs=0,
                                       duration=self.duration + time.monotonic() - started))
        if autocommit:
            self.env.cr.commit()  # pylint: disable=invalid-commit  # a step is final once done
        counts = self._report_counts(loader.counters)
        (progress or self._write_live_counts)(counts, self._progress_fraction(loader))
        return True

    def _lock_running(self):
        """Lock this import's row for the step and say whether it is still
        running: a *Cancel* takes the same lock, so it waits for the step in
        flight and the next step sees it."""
        self.flush_recordset()
        self.env.cr.execute(f"SELECT state FROM {self._table} WHERE id = %s FOR NO KEY UPDATE", [self.id])
        running = self.env.cr.fetchone()[0] == "running"
        self.invalidate_recordset()   # read what the lock protects, not the cache
        return running

    def _read_step(self, loader):
        if not self.loader_state:
            loader.create_staging()   # the first step
        if loader.stage(READ_CHUNK_BYTES).done:
            return {"phase": "prepare"}
        return None

    def _prepare_step(self, loader):
        """Check what is staged; a complete snapshot that would archive more
        than ARCHIVE_CONFIRM_SHARE of the register stops here, before
        changing anything, until it is confirmed."""
        loader.drop_duplicates()
        loader.apply_units()
        loader.apply_sides()
        if self.file_scope == "complete" and not self.archive_confirmed:
            to_archive, active = loader.count_archived(complete=True)
            if to_archive > ARCHIVE_CONFIRM_SHARE * active:
                self._update_state("to_confirm", {"to_archive_count": to_archive, "active_before_count": active})
        return {"phase": "merge"}

    def _merge_step(self, loader):
        self.env["crm.iap.lead.directory.company"].invalidate_model()   # written in SQL
        if loader.merge(MERGE_CHUNK_ROWS):
            return {"phase": "archive"}
        return None

    def _archive_step(self, loader):
        """Archive; then the watch tells the CRM of the events."""
        self.env["crm.iap.lead.directory.company"].invalidate_model()   # written in SQL
        loader.archive(complete=self.file_scope == "complete")
        return {"phase": "watch"}

    def _watch_step(self, loader):
        """The last steps: tell the CRM records of the companies the events
        are about (`_raise_alerts`), WATCH_CHUNK_EVENTS events at a time,
        then done (the staging dropped)."""
        started = time.monotonic()
        events = []
        if loader.records_events:
            self.env.cr.execute("""
                SELECT id, company_id, kind, old_value, new_value FROM crm_iap_lead_directory_event
                 WHERE import_id = %s AND id > %s AND kind IN %s AND (kind <> 'status' OR new_value IS NOT NULL)
                 ORDER BY id LIMIT %s
            """, [self.id, self.watched_up_to, WATCHED_KINDS, WATCH_CHUNK_EVENTS])
            events = self.env.cr.fetchall()
        values = {}
        if events:
            values = {"watched_up_to": events[-1][0], "alert_count": self.alert_count + self._raise_alerts(events)}
        loader.timings["watch"] += time.monotonic() - started
        if len(events) < WATCH_CHUNK_EVENTS:
            self._update_state("done", dict(self._result_values(loader), **values))
        return values

    def _raise_alerts(self, events):
        """Post a note on each CRM record watching the company of an event
        (`_watched_records`), and give its salesperson an activity for the
        kinds the settings name; return how many alerts (a record told of
        an event). `events`: ``(id, company id, kind, old, new)`` rows."""
        Company = self.env["crm.iap.lead.directory.company"].sudo().with_context(active_test=False)
        watchers = defaultdict(list)
        for record, company_id in self._watched_records(list({event[1] for event in events})):
            watchers[company_id].append(record)
        if not watchers:
            return 0
        names = dict(Company.browse(list(watchers)).mapped(lambda company: (company.id, company.name)))
        param = self.env["ir.config_parameter"].sudo().get_param(WATCH_ACTIVITY_PARAM, WATCH_ACTIVITY_DEFAULT)
        activity_kinds = set((param or "").split(","))
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        models_ids = {model: self.env["ir.model"]._get_id(model) for model in {
            record._name for records in watchers.values() for record in records}}
        notes = defaultdict(lambda: defaultdict(list))   # {model: {id: [messages]}}
        activities = []
        alerts = 0
        for _event_id, company_id, kind, old, new in events:
            message = self._describe_event(names.get(company_id, ""), kind, old, new)
            for record in watchers.get(company_id, ()):
                alerts += 1
                notes[record._name][record.id].append(message)
                if kind in activity_kinds and record.user_id and todo:
                    activities.append({
                        "res_model_id": models_ids[record._name], "res_id": record.id,
                        "activity_type_id": todo.id, "summary": message, "user_id": record.user_id.id,
                    })
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(activities)
        for model, bodies in notes.items():
            self.env[model].sudo().browse(list(bodies))._message_log_batch(
                {res_id: Markup("<br/>").join(messages) for res_id, messages in bodies.items()})
        return alerts

    def _file_label(self):
        """Where data of this import comes from: "Companies House, file of 2026-12-01"."""
        self.ensure_one()
        return _("%(register)s, file of %(date)s", register=ADAPTERS[self.register_code].label,
                 date=fields.Date.to_string(self.file_date))

    def _describe_event(self, company, kind, old, new):
        """The alert of an event: "ACME LTD entered liquidation: Companies House, file of 2026-12-01"."""
        source = self._file_label()
        if kind == "status":
            status = dict(self.env["crm.iap.lead.directory.company"]._fields["register_status"]._description_selection(
                self.env)).get(new, new)
            return _("%(company)s entered the status %(status)s: %(origin)s", company=company, status=status,
                     origin=source)
        if kind == "gone":
            return _("%(company)s left the register (dissolved, struck off or closed): %(origin)s",
                     company=company, origin=source)
        if kind == "back":
            return _("%(company)s is back in the register: %(origin)s", company=company, origin=source)
        if kind == "address":
            return _("%(company)s moved to %(address)s: %(origin)s", company=company, address=new or "",
                     origin=source)
        return _("%(old)s is now named %(company)s: %(origin)s", old=old or "", company=company, origin=source)

    def _watched_records(self, company_ids):
        """The CRM records that watch the directory companies `company_ids`:
        ``(record, directory company id)`` pairs, of every source (one
        method each, one query each); a record two sources find is alerted
        once."""
        return list(dict.fromkeys(self._watched_leads(company_ids) + self._watched_partners(company_ids)
                                  + self._watched_links(company_ids)))

    def _customer_condition(self, partner):
        """SQL: the partner `partner` (an alias) is a customer: a won
        opportunity, or `customer_rank` > 0 with Invoicing."""
        rank = f"{partner}.customer_rank > 0 OR " if "customer_rank" in self.env["res.partner"]._fields else ""
        return f"""({rank}EXISTS (
                        SELECT 1 FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id AND s.is_won
                          JOIN res_partner lp ON lp.id = l.partner_id
                         WHERE lp.commercial_partner_id = {partner}.id AND l.active))"""

    def _watched_links(self, company_ids):
        """The open leads and the customers a confirmed link of the matching
        ties to the companies (`crm.iap.lead.directory.link`)."""
        self.env["crm.iap.lead.directory.link"].flush_model()
        self.env["res.partner"].flush_model()
        self.env["crm.lead"].flush_model(["partner_id", "stage_id", "active"])
        self.env.cr.execute(f"""
            SELECT k.lead_id, k.partner_id, k.directory_company_id FROM crm_iap_lead_directory_link k
              LEFT JOIN crm_lead lead ON lead.id = k.lead_id
              LEFT JOIN res_partner p ON p.id = k.partner_id
             WHERE k.state = 'linked' AND k.directory_company_id = ANY(%s)
               AND (lead.active OR (p.active AND {self._customer_condition("p")}))
        """, [company_ids])
        rows = self.env.cr.fetchall()
        return (_watchers(self.env["crm.lead"], [(lead, company) for lead, _partner, company in rows if lead])
                + _watchers(self.env["res.partner"],
                            [(partner, company) for lead, partner, company in rows if not lead]))

    def _watched_leads(self, company_ids):
        """The open leads and the opportunities not lost mined from the
        companies (their `reveal_id`, "directory-<id>")."""
        self.env["crm.lead"].flush_model(["reveal_id", "active"])
        self.env.cr.execute("""
            SELECT l.id, c.id FROM unnest(%s::integer[]) AS c (id)
              JOIN crm_lead l ON l.reveal_id LIKE 'directory-%%' AND l.reveal_id = 'directory-' || c.id
             WHERE l.active
        """, [company_ids])
        return _watchers(self.env["crm.lead"], self.env.cr.fetchall())

    def _watched_partners(self, company_ids):
        """The customers (a won opportunity, or `customer_rank` > 0 with
        Invoicing) whose Company ID or Tax ID is the company's register
        number (each register's `registry_number_sql`, `vat_number_sql`)."""
        adapter = ADAPTERS[self.register_code]
        expressions = [expression for expression in (adapter.registry_number_sql, adapter.vat_number_sql)
                       if expression]
        if not expressions:
            return []
        Partner = self.env["res.partner"]
        Partner.flush_model()
        self.env["crm.lead"].flush_model(["partner_id", "stage_id", "active"])
        numbers = []
        if adapter.registry_number_sql:
            numbers.append(f"""SELECT {adapter.registry_number_sql} WHERE p.company_registry IS NOT NULL
                                  AND (p.country_id IS NULL OR p.country_id = %(country)s)""")
        if adapter.vat_number_sql:
            numbers.append(f"SELECT {adapter.vat_number_sql} WHERE p.vat IS NOT NULL")
        country = self.env["res.country"].search([("code", "=", adapter.country_code)], limit=1)
        # The partners' numbers are computed once (one pass over the
        # partners), then joined to the companies by the register's index.
        self.env.cr.execute(f"""
            WITH customer AS MATERIALIZED (
                SELECT p.id, n.number FROM res_partner p
                 CROSS JOIN LATERAL ({" UNION ".join(numbers)}) AS n (number)
                 WHERE p.active AND (p.company_registry IS NOT NULL OR p.vat IS NOT NULL) AND n.number IS NOT NULL
                   AND {self._customer_condition("p")}
            )
            SELECT DISTINCT customer.id, d.id FROM customer
              JOIN crm_iap_lead_directory_company d
                ON d.register_code = %(register)s AND d.register_number = customer.number
             WHERE d.id = ANY(%(companies)s)
        """, {"companies": company_ids, "register": self.register_code, "country": country.id or None})
        return _watchers(Partner, self.env.cr.fetchall())

    def _progress_fraction(self, loader):
        if self.state == "done":
            return 1.0
        if self.phase == "read":
            return READ_SHARE * loader.progress().fraction
        if self.phase == "watch":
            return 1.0
        counters = loader.counters
        merged = counters["imported_count"] + counters["updated_count"] + counters["unchanged_count"]
        return READ_SHARE + (1 - READ_SHARE) * min(merged / max(counters["staged_rows"], 1), 1.0)

    def _result_values(self, loader):
        """The import's counts as its field values."""
        counters = loader.counters
        values = dict(
            self._report_counts(counters), unchanged_count=counters["unchanged_count"],
            undeliverable_count=counters["undeliverable_count"], unknown_industry_count=counters["unknown_industry_count"],
            advertising_protected_count=counters["advertising_protected_count"],
            excluded_closed_count=counters["excluded_closed"],
            excluded_person_count=counters["excluded_natural_person"],
            excluded_private_count=counters["excluded_non_diffusible"],
            bad_rows="\n".join(self._describe_bad_row(line, bad) for line, bad in loader.bad_rows) or False,
            error_message=False,   # of an attempt that failed before
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
        """The default progress callback: the live counts of the form."""
        self._write_progress(dict(counts, progress=fraction))

    def _write_progress(self, values):
        """Write this import's live values in a cursor of its own, committed at once."""
        self.ensure_one()
        columns = list(values)
        with self.env.registry.cursor() as cr:
            cr.execute(f"""
                INSERT INTO {PROGRESS_TABLE} AS p (import_id, {", ".join(columns)})
                VALUES (%(import_id)s, {", ".join(f"%({column})s" for column in columns)})
                ON CONFLICT (import_id) DO UPDATE
                   SET {", ".join(f"{column} = EXCLUDED.{column}" for column in columns)}
            """, dict(values, import_id=self.id))

    def _notify_user(self):
        """Tell who started a background import how it ended, in their open Odoo tabs."""
        if not self.user_id or self.state not in ("done", "error", "to_confirm"):
            return
        if self.state == "done":
            message = _("%(import)s is done: %(imported)s companies imported, %(updated)s updated, "
                        "%(archived)s archived.", **{
                            "import": self.display_name, "imported": formatLang(self.env, self.imported_count, digits=0),
                            "updated": formatLang(self.env, self.updated_count, digits=0),
                            "archived": formatLang(self.env, self.archived_count, digits=0)})
        elif self.state == "to_confirm":
            message = self._describe_archive_to_confirm()
        else:
            message = _("%(import)s failed: %(error)s", **{"import": self.display_name, "error": self.error_message})
        self.env["bus.bus"]._sendone(self.user_id.partner_id, "simple_notification", {
            "title": _("Register Import"), "message": message, "sticky": self.state != "done",
            "type": {"done": "success", "error": "danger"}.get(self.state, "warning"),
        })

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    def _describe_result(self):
        """What a done import did, in sentences."""
        sentences = [_("%(rows)s rows read.", rows=_number(self, self.rows_read))]
        changes = [_("%(count)s company imported", count=1) if self.imported_count == 1
                   else _("%(count)s companies imported", count=_number(self, self.imported_count)),
                   _("%(count)s updated", count=_number(self, self.updated_count)),
                   _("%(count)s unchanged", count=_number(self, self.unchanged_count)),
                   _("%(count)s archived", count=_number(self, self.archived_count))]
        sentences.append(_("%(changes)s.", changes=", ".join(changes)))
        if self.file_scope == "complete":
            sentences.append(_("As a complete snapshot, it archived the register's companies missing from it, "
                               "and those it marks as closed, excluded or deleted."))
        else:
            sentences.append(_("As a partial file, it archived only the companies it marks as closed, excluded "
                               "or deleted; those it does not mention are left as they were."))
        reasons = [(self.excluded_closed_count, _("closed or dissolved")),
                   (self.excluded_person_count, _("natural persons")),
                   (self.excluded_private_count, _("not to be disclosed"))]
        excluded = sum(count for count, _reason in reasons)
        if excluded:
            reasons = ", ".join(f"{_number(self, count)} {reason}" for count, reason in reasons if count)
            sentences.append(_("1 row left out: %(reasons)s.", reasons=reasons) if excluded == 1 else
                             _("%(count)s rows left out: %(reasons)s.", count=_number(self, excluded), reasons=reasons))
        if self.bad_row_count == 1:
            sentences.append(_("1 bad row skipped, its company left as it was (listed below)."))
        elif self.bad_row_count:
            sentences.append(_("%(count)s bad rows skipped, their companies left as they were (the first 100 are "
                               "listed below).", count=_number(self, self.bad_row_count)))
        if self.undeliverable_count == 1:
            sentences.append(_("1 company on its way out (bankrupt, winding up, in liquidation...) is imported, "
                               "not deliverable: no request delivers it."))
        elif self.undeliverable_count:
            sentences.append(_("%(count)s companies on their way out (bankrupt, winding up, in liquidation...) are "
                               "imported, not deliverable: no request delivers them.",
                               count=_number(self, self.undeliverable_count)))
        if self.advertising_protected_count:
            sentences.append(_("%(count)s companies refuse advertising (a legal duty): imported, never delivered.",
                               count=_number(self, self.advertising_protected_count)))
        if self.unknown_industry_count == 1:
            sentences.append(_("1 company has an activity code that maps to no industry: it was imported "
                               "without one."))
        elif self.unknown_industry_count:
            sentences.append(_("%(count)s companies have an activity code that maps to no industry: they were "
                               "imported without one.", count=_number(self, self.unknown_industry_count)))
        if self.force_older and not self.events_recorded:
            sentences.append(_("Imported out of date order: its changes are recorded as no event."))
        elif self.alert_count == 1:
            sentences.append(_("1 alert raised: a lead, opportunity or customer was told of a change of its company."))
        elif self.alert_count:
            sentences.append(_("%(count)s alerts raised: leads, opportunities and customers told of a change of their "
                               "company.", count=_number(self, self.alert_count)))
        return " ".join(sentences)

    def _describe_archive_to_confirm(self):
        return _(
            "%(import)s is a complete snapshot that would archive %(count)s of the %(active)s active companies "
            "of the register, more than 10%%. Nothing is changed yet: open it and confirm to import and archive, "
            "or cancel if the file is not the whole register.", **{
                "import": self.display_name, "count": self.to_archive_count, "active": self.active_before_count})

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
        if error.kind == "members":
            return _("The archive is not a complete extract of %(register)s: it lacks the files of %(files)s. "
                     "Nothing was imported.", register=register, files=error.detail)
        if error.kind == "update_members":
            return _("The update extract of %(register)s lacks the deletions or the insertions of %(files)s. "
                     "Nothing was imported.", register=register, files=error.detail)
        if error.kind == "zip":
            if error.line:
                return _("Line %(line)s: the compressed file (zip or gzip) is damaged or cut short (%(detail)s). "
                         "Nothing was imported: download the file again.", line=error.line, detail=error.detail)
            return _("The zip archive cannot be read (%(detail)s). Nothing was imported: download the file again.",
                     detail=error.detail)
        if error.kind == "line_too_long":
            return _("Line %(line)s is longer than %(limit)s bytes, more than any register file has. "
                     "Nothing was imported.", line=error.line,
                     limit=formatLang(self.env, register_files.MAX_LINE_BYTES, digits=0))
        if error.kind == "element_too_long":
            return _("Element %(line)s of the JSON array is longer than %(limit)s characters, more than any register "
                     "file has. Nothing was imported.", line=error.line, limit=formatLang(self.env, register_files.MAX_ELEMENT_CHARS, digits=0))
        if error.kind == "json":
            return _("Element %(line)s: the file is not a JSON array of objects as the register publishes it "
                     "(%(detail)s). Nothing was imported.", line=error.line, detail=error.detail)
        if error.kind == "json_line":
            return _("Line %(line)s: the file is not one JSON object per line as the register's dump writes it "
                     "(%(detail)s). Nothing was imported.", line=error.line, detail=error.detail)
        if error.kind == "document_too_long":
            return _("Line %(line)s is longer than %(limit)s bytes, more than any register document. "
                     "Nothing was imported.", line=error.line,
                     limit=formatLang(self.env, register_files.MAX_DOCUMENT_BYTES, digits=0))
        if error.kind == "field":
            return _("Line %(line)s: the field %(field)s is missing, which the register must give for every "
                     "company. Nothing was imported.", line=error.line, field=error.detail)
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
        if bad.file:   # a line of one of an archive's files: which
            return _("%(file)s: %(row)s", file=bad.file,
                     row=self._describe_bad_row(line, BadRow(bad.reason, bad.value, bad.register_number)))
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
        if bad.reason == "bad_amount":
            return _("Line %(line)s: %(value)s is not an amount.", line=line, value=bad.value)
        if bad.reason == "bad_date":
            return _("Line %(line)s: %(value)s is not a date (dd/mm/yyyy).", line=line, value=bad.value)
        return _("Line %(line)s: the number %(value)s is already on an earlier line.", line=line, value=bad.value)


def _watchers(model, rows):
    """``(record, directory company id)`` pairs of ``(record id, company id)``
    rows, the records browsed together: what is read of one (its
    salesperson) is read for all in one query."""
    records = model.sudo().browse([record_id for record_id, _company_id in rows])
    return list(zip(records, [company_id for _record_id, company_id in rows]))


def _number(record, value):
    """A count as the user's language writes it (1,234 or 1 234)."""
    return record.env["res.lang"]._lang_get(record.env.lang or "en_US").format("%d", value, grouping=True)
