"""What a translation must keep from its English source.

Used by the test suite (tests/test_translations.py) and by translators
(scripts/i18n/i18n_todo.py check): no Odoo import, only the standard library.
"""
import re
from html.parser import HTMLParser

# %(name)s, %s, %d, {name}, {{ qweb }}; a doubled %% is a literal percent.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{\{.*?\}\}|\{\w*\}")
# Attributes whose value is text for the reader: translated with the term.
TRANSLATED_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "data-tooltip", "label", "string", "help"}


class _TagCollector(HTMLParser):
    """Each tag of a term: its name, and its attributes with their values,
    except the values that are text for the reader."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def _add(self, kind, tag, attrs):
        kept = tuple(sorted((name, None if name in TRANSLATED_ATTRIBUTES else value) for name, value in attrs))
        self.tags.append((kind, tag, kept))

    def handle_starttag(self, tag, attrs):
        self._add("open", tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._add("empty", tag, attrs)

    def handle_endtag(self, tag):
        self.tags.append(("close", tag, ()))


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def markup(text):
    collector = _TagCollector()
    collector.feed(text)
    collector.close()
    return sorted(collector.tags, key=repr)


def problems(entry):
    """Why a translated .po entry is wrong, as short English sentences."""
    if entry.obsolete:
        return ["obsolete entry"]
    if not entry.msgstr.strip():
        return ["not translated"]
    found = []
    if "fuzzy" in entry.flags:
        found.append("marked fuzzy")
    if placeholders(entry.msgstr) != placeholders(entry.msgid):
        found.append(f"placeholders differ: {placeholders(entry.msgid)} -> {placeholders(entry.msgstr)}")
    if markup(entry.msgstr) != markup(entry.msgid):
        found.append("HTML tags or attributes differ from the source")
    if entry.msgid.startswith("\n") != entry.msgstr.startswith("\n") and entry.msgid.strip():
        found.append("leading line break differs")
    return found


def file_problems(po, template_keys):
    """Problems of a whole .po against the template's (msgctxt, msgid) keys."""
    found = []
    keys = {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}
    if keys != template_keys:
        found.append((None, f"terms differ from the template: {len(template_keys - keys)} missing, "
                            f"{len(keys - template_keys)} extra (run make i18n)"))
    if not po.metadata.get("Plural-Forms", "").startswith("nplurals="):
        found.append((None, "no Plural-Forms header"))
    if "charset=UTF-8" not in po.metadata.get("Content-Type", ""):
        found.append((None, "not declared UTF-8"))
    for entry in po:
        found.extend((entry, problem) for problem in problems(entry))
    return found
