"""Reads an Odoo test log and prints "N passed, N failed".

The counts come from Odoo's own test result line, logged by the server when
it stops after the tests: "F failed, E error(s) of N tests when loading
database ...", and its "skipped" lines. The exit code is non-zero when Odoo
failed, a test failed, no test ran, or one of the tested modules logged a
WARNING/ERROR outside its tests (tests expecting one mute it).
"""
import re
import sys

LINE = re.compile(r"^\S+ \S+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>\S+): (?P<msg>.*)$")
RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")


def main(log_path, odoo_rc, *modules):
    total = failed = skipped = 0
    result_seen = False
    problems = []
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = LINE.match(line.rstrip("\n"))
            if not match:
                continue
            level, logger, msg = match["level"], match["logger"], match["msg"]
            result = RESULT.match(msg) if logger == "odoo.tests.result" else None
            if result:
                result_seen = True
                failed += int(result[1]) + int(result[2])
                total += int(result[3])
            elif msg.startswith("skipped "):
                skipped += 1
            elif (
                level in ("WARNING", "ERROR", "CRITICAL")
                and ".tests." not in logger
                and any(logger.startswith(f"odoo.addons.{module}") for module in modules)
            ):
                problems.append(line.strip())
    for problem in problems:
        print(f"logged by the addon: {problem}")
    if not result_seen:
        print("Odoo logged no test result: the run stopped before the tests ended")
    passed = max(total - failed - skipped, 0)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    if total == 0:
        print("no test ran")
    ok = int(odoo_rc) == 0 and result_seen and failed == 0 and total > 0 and not problems
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], *sys.argv[3:]))
