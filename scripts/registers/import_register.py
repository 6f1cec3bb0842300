# Run inside `odoo shell` by scripts/registers/import_register.sh (REGISTER_CODE,
# REGISTER_FILE, REGISTER_SCOPE (complete or partial) and, for SIRENE,
# REGISTER_SECOND_FILE in the environment):
# imports the file as an administrator
# would from the server, shows the rows read, prints the report, commits.
import os
import sys
import time

import odoo

started = time.monotonic()


def show_progress(counts, fraction):
    elapsed = max(time.monotonic() - started, 1e-6)
    rows = counts["rows_read"]
    sys.stderr.write(f"\r{100 * fraction:5.1f} %  {rows:>12,} rows read  {rows / elapsed:>9,.0f} rows/s")
    sys.stderr.flush()


# The server reads register files only inside the folder its configuration
# file names (crm_iap_mine_register_dir): here, the folder of the files given.
files = [os.environ["REGISTER_FILE"]] + ([os.environ["REGISTER_SECOND_FILE"]] if os.environ.get("REGISTER_SECOND_FILE") else [])
odoo.tools.config["crm_iap_mine_register_dir"] = os.path.commonpath([os.path.dirname(path) for path in files])
run = env["crm.iap.lead.register.import"].create({  # noqa: F821 (env is given by odoo shell)
    "register_code": os.environ["REGISTER_CODE"],
    "source": "server",
    "server_path": os.environ["REGISTER_FILE"],
    "second_server_path": os.environ.get("REGISTER_SECOND_FILE") or False,
    "file_scope": os.environ.get("REGISTER_SCOPE") or "complete",
})
run._check_source()
run._update_state("queued")._update_state("running")
with run._open_sources() as binaries:
    run._import_file(binaries, progress=show_progress)
run.env.cr.commit()  # pylint: disable=invalid-commit  # odoo shell rolls back otherwise
sys.stderr.write("\n")
if run.state == "error":
    print(run.error_message)  # pylint: disable=print-used
    sys.exit(1)
if run.state == "to_confirm":
    # Kept, committed: confirm it in the form (the scheduled job goes on).
    print(run.archive_warning)  # pylint: disable=print-used
    sys.exit(2)
for field in ("rows_read", "imported_count", "updated_count", "unchanged_count", "archived_count",
              "undeliverable_count", "excluded_closed_count", "excluded_person_count", "excluded_private_count",
              "unknown_industry_count", "bad_row_count", "duration"):
    print(f"{run._fields[field].string}: {run[field]}")  # pylint: disable=print-used
if run.bad_rows:
    print(run.bad_rows)  # pylint: disable=print-used
print(f"Rows per second: {run.rows_read / max(time.monotonic() - started, 1e-6):,.0f}")  # pylint: disable=print-used
