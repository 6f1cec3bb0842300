"""A translator's tool for i18n/LANG.po, without Odoo.

    i18n_todo.py export LANG [--all] > LANG.json   terms to translate (or all)
    i18n_todo.py import LANG LANG.json             write the "tr" values back
    i18n_todo.py check [LANG...]                   what is missing or wrong

The JSON is a list of {"key", "where", "en", "tr"}: "where" says what the
term is (a field label, a menu, a view text, a message from the code...) and
"tr" is the translation to fill. Import matches terms by key and English
text, so a JSON older than the .po can never put a translation on the wrong
term. Check applies the rules of the test suite (tests/test_translations.py).
"""
import importlib.util
import json
import os
import sys

import polib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))  # scripts/i18n/ is two levels down
I18N = os.path.join(REPO, "i18n")


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


po_checks = _load("po_checks", os.path.join(REPO, "tools", "po_checks.py"))
LANGUAGES = _load("i18n_merge", os.path.join(HERE, "i18n_merge.py")).LANGUAGES


def _po(lang):
    return polib.pofile(os.path.join(I18N, f"{lang}.po"))


def _key(entry):
    return f"{entry.msgctxt or ''}\x04{entry.msgid}"


def _where(entry):
    kinds = {comment.strip() for comment in (entry.comment or "").splitlines() if comment.strip()}
    places = sorted({path for path, _line in entry.occurrences})
    return "; ".join(sorted(kinds - {"module: crm_iap_mine"}) + places[:3])


def export(lang, everything=False):
    items = [
        {"key": index, "where": _where(entry), "en": entry.msgid, "tr": entry.msgstr}
        for index, entry in enumerate(_po(lang))
        if everything or po_checks.problems(entry)
    ]
    json.dump(items, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def import_(lang, path):
    po = _po(lang)
    with open(path, encoding="utf-8") as handle:
        items = json.load(handle)
    written = skipped = 0
    for item in items:
        index = item["key"]
        entry = po[index] if isinstance(index, int) and 0 <= index < len(po) else None
        if entry is None or entry.msgid != item["en"]:
            skipped += 1
            continue
        if item.get("tr", "").strip():
            entry.msgstr = item["tr"]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            written += 1
    po.save()
    print(f"{lang}.po: {written} translations written, {skipped} items of another version skipped")
    return check([lang])


def check(langs):
    pot = polib.pofile(os.path.join(I18N, "crm_iap_mine.pot"))
    keys = {(entry.msgctxt, entry.msgid) for entry in pot}
    failing = 0
    for lang in langs or LANGUAGES:
        found = po_checks.file_problems(_po(lang), keys)
        failing += bool(found)
        print(f"{lang}.po: {'OK' if not found else f'{len(found)} problems'}")
        for entry, problem in found[:20]:
            where = f" [{entry.msgid[:60]!r}]" if entry is not None else ""
            print(f"    {problem}{where}")
    return 1 if failing else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "export":
        return export(argv[1], "--all" in argv) or 0
    if len(argv) == 3 and argv[0] == "import":
        return import_(argv[1], argv[2])
    if argv and argv[0] == "check":
        return check(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
