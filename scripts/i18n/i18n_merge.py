"""Merges a freshly exported template into the addon's .po files.

Usage: i18n_merge.py NEW.pot I18N_DIR [LANG...]   (default: every language
of LANGUAGES, the 43 the stock module speaks)

* I18N_DIR/crm_iap_mine.pot is replaced by NEW.pot, unless only its dates
  differ (then the old file is kept, so a second run changes nothing).
* For each LANG, I18N_DIR/LANG.po gets exactly the template's terms, in the
  template's order and with its references: a term keeps its translation
  when its msgid (and context) did not change; new terms are left empty for
  a translator (no fuzzy matching: a guess is worse than a visible gap);
  terms that left the template are dropped. The file is rewritten only when
  something other than its dates changed.

Prints, per language, how many terms are translated and lists the ones
that are not. The test suite (tests/test_translations.py) fails on those.
"""
import datetime
import os
import shutil
import sys

import polib

SHOWN = 15  # untranslated terms listed per language
DATES = ("POT-Creation-Date", "PO-Revision-Date")
LANGUAGES = {
    # code: (Language-Team, Plural-Forms): the 43 languages of the stock module
    "ar": ("Arabic", "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;"),
    "bg": ("Bulgarian", "nplurals=2; plural=n != 1;"),
    "ca": ("Catalan", "nplurals=2; plural=n != 1;"),
    "cs": ("Czech", "nplurals=3; plural=n==1 ? 0 : n>=2 && n<=4 ? 1 : 2;"),
    "da": ("Danish", "nplurals=2; plural=n != 1;"),
    "de": ("German", "nplurals=2; plural=n != 1;"),
    "el": ("Greek", "nplurals=2; plural=n != 1;"),
    "es": ("Spanish", "nplurals=2; plural=n != 1;"),
    "es_419": ("Spanish (Latin America)", "nplurals=2; plural=n != 1;"),
    "et": ("Estonian", "nplurals=2; plural=n != 1;"),
    "fa": ("Persian", "nplurals=2; plural=n > 1;"),
    "fi": ("Finnish", "nplurals=2; plural=n != 1;"),
    "fr": ("French", "nplurals=2; plural=n > 1;"),
    "he": ("Hebrew", "nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;"),
    "hr": ("Croatian", "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"),
    "hu": ("Hungarian", "nplurals=2; plural=n != 1;"),
    "hy": ("Armenian", "nplurals=2; plural=n != 1;"),
    "id": ("Indonesian", "nplurals=1; plural=0;"),
    "is": ("Icelandic", "nplurals=2; plural=n%10 != 1 || n%100 == 11;"),
    "it": ("Italian", "nplurals=2; plural=n != 1;"),
    "ja": ("Japanese", "nplurals=1; plural=0;"),
    "ko": ("Korean", "nplurals=1; plural=0;"),
    "lb": ("Luxembourgish", "nplurals=2; plural=n != 1;"),
    "lt": ("Lithuanian", "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2;"),
    "lv": ("Latvian", "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2;"),
    "mn": ("Mongolian", "nplurals=2; plural=n != 1;"),
    "nb": ("Norwegian Bokmål", "nplurals=2; plural=n != 1;"),
    "nl": ("Dutch", "nplurals=2; plural=n != 1;"),
    "pl": ("Polish", "nplurals=3; plural=n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"),
    "pt": ("Portuguese", "nplurals=2; plural=n != 1;"),
    "pt_BR": ("Portuguese (Brazil)", "nplurals=2; plural=n > 1;"),
    "ro": ("Romanian", "nplurals=3; plural=n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2;"),
    "ru": ("Russian", "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"),
    "sk": ("Slovak", "nplurals=3; plural=n==1 ? 0 : n>=2 && n<=4 ? 1 : 2;"),
    "sl": ("Slovenian", "nplurals=4; plural=n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3;"),
    "sr": ("Serbian (Latin)", "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"),
    "sv": ("Swedish", "nplurals=2; plural=n != 1;"),
    "th": ("Thai", "nplurals=1; plural=0;"),
    "tr": ("Turkish", "nplurals=2; plural=n != 1;"),
    "uk": ("Ukrainian", "nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2;"),
    "vi": ("Vietnamese", "nplurals=1; plural=0;"),
    "zh_CN": ("Chinese (Simplified)", "nplurals=1; plural=0;"),
    "zh_TW": ("Chinese (Traditional)", "nplurals=1; plural=0;"),
}


def comparable(po):
    """The file's text without its dates."""
    clone = polib.POFile(wrapwidth=po.wrapwidth)
    clone.header = po.header
    clone.metadata = {key: value for key, value in po.metadata.items() if key not in DATES}
    clone.extend(po)
    return str(clone)


def merge_template(new_pot_path, pot_path):
    new_pot = polib.pofile(new_pot_path)
    if os.path.exists(pot_path):
        old_pot = polib.pofile(pot_path)
        if comparable(old_pot) == comparable(new_pot):
            print(f"{os.path.basename(pot_path)}: {len(old_pot)} terms, unchanged")
            return old_pot
    shutil.copyfile(new_pot_path, pot_path)
    print(f"{os.path.basename(pot_path)}: {len(new_pot)} terms, written")
    return polib.pofile(pot_path)


def merge_language(pot, po_path, lang):
    old = polib.pofile(po_path) if os.path.exists(po_path) else None
    known = {}
    if old is not None:
        known = {(entry.msgctxt, entry.msgid): entry for entry in old if not entry.obsolete}

    po = polib.POFile(wrapwidth=pot.wrapwidth)
    po.header = pot.header
    team, plural_forms = LANGUAGES.get(lang, ("", ""))
    metadata = dict(pot.metadata)
    metadata.update({
        "Last-Translator": "",
        "Language-Team": team,
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms,
    })
    if old is not None:
        metadata.update({key: value for key, value in old.metadata.items() if value})
    metadata.update({
        "Project-Id-Version": pot.metadata.get("Project-Id-Version", ""),
        "POT-Creation-Date": pot.metadata.get("POT-Creation-Date", ""),
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
    })
    po.metadata = metadata

    untranslated = []
    for template in pot:
        previous = known.pop((template.msgctxt, template.msgid), None)
        entry = polib.POEntry(
            msgid=template.msgid,
            msgctxt=template.msgctxt,
            msgstr=previous.msgstr if previous else "",
            comment=template.comment,
            occurrences=list(template.occurrences),
            flags=list(template.flags) + (["fuzzy"] if previous and previous.fuzzy else []),
        )
        if previous and previous.tcomment:
            entry.tcomment = previous.tcomment
        po.append(entry)
        if not entry.msgstr or entry.fuzzy:
            untranslated.append(entry.msgid)

    if old is not None and comparable(old) == comparable(po):
        status = "unchanged"
    else:
        po.metadata["PO-Revision-Date"] = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M+0000")
        po.save(po_path)
        status = "written"
    print(f"{os.path.basename(po_path)}: {len(po) - len(untranslated)}/{len(po)} terms translated, "
          f"{len(untranslated)} to translate, {len(known)} dropped, {status}")
    for msgid in untranslated[:SHOWN]:
        first_line = msgid.strip().splitlines()[0] if msgid.strip() else msgid
        print(f"    to translate: {first_line[:100]}")
    if len(untranslated) > SHOWN:
        print(f"    ... and {len(untranslated) - SHOWN} more (msgstr \"\" in {os.path.basename(po_path)})")
    return untranslated


def main(new_pot_path, i18n_dir, *langs):
    pot = merge_template(new_pot_path, os.path.join(i18n_dir, "crm_iap_mine.pot"))
    langs = langs or tuple(LANGUAGES)
    missing = 0
    for lang in langs:
        missing += len(merge_language(pot, os.path.join(i18n_dir, f"{lang}.po"), lang))
    if missing:
        print(f"{missing} terms to translate: fill their msgstr in i18n/*.po "
              "(make test fails until then)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
