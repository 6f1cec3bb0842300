"""The normalised name of a company, to recognise it across spellings.

"ACME (UK) Ltd.", "Acme UK Limited" and "acme uk" share one key: accents
and case folded, punctuation dropped, legal forms removed. Computed once
per directory company (its stored `name_key`, filled in SQL by register
imports) and for the partners and leads matched against it.

The SQL and the Python versions must agree character for character
(tests/test_matching.py checks them on a table of names), so both are built
from the same tables and use only character maps and regular expressions on
ASCII: no `unaccent` extension, no locale-dependent `lower()`.
"""
import re
import string

# Letters folded to more than one letter (SQL: replace()).
_MULTI = (("ß", "ss"), ("Æ", "ae"), ("æ", "ae"), ("Œ", "oe"), ("œ", "oe"), ("Þ", "th"), ("þ", "th"))
# One letter for one letter (SQL: translate()).
_FOLDS = {
    "a": "ÀÁÂÃÄÅàáâãäåĀāĂăĄą",
    "c": "ÇçĆćĈĉĊċČč",
    "d": "ĎďĐđÐð",
    "e": "ÈÉÊËèéêëĒēĔĕĖėĘęĚě",
    "g": "ĜĝĞğĠġĢģ",
    "h": "ĤĥĦħ",
    "i": "ÌÍÎÏìíîïĨĩĪīĬĭĮįİı",
    "j": "Ĵĵ",
    "k": "Ķķ",
    "l": "ĹĺĻļĽľĿŀŁł",
    "n": "ÑñŃńŅņŇň",
    "o": "ÒÓÔÕÖØòóôõöøŌōŎŏŐő",
    "r": "ŔŕŖŗŘř",
    "s": "ŚśŜŝŞşŠšȘș",
    "t": "ŢţŤťŦŧȚț",
    "u": "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų",
    "w": "Ŵŵ",
    "y": "ÝýÿŶŷŸ",
    "z": "ŹźŻżŽž",
}
_FROM = "".join(_FOLDS.values())
_TO = "".join(letter * len(letters) for letter, letters in _FOLDS.items())
# The same, split in two for SQL (see name_key_sql): the letters of Latin-1, the others.
_FROM_LATIN1, _TO_LATIN1 = map("".join, zip(*[(a, b) for a, b in zip(_FROM, _TO) if ord(a) < 0x100]))
_FROM_OTHER, _TO_OTHER = map("".join, zip(*[(a, b) for a, b in zip(_FROM, _TO) if ord(a) >= 0x100]))
_OTHER_RANGE = f"[{min(_FROM_OTHER)}-{max(_FROM_OTHER)}]"
# Dropped without a space: combining accents (a decomposed "é"), and the
# punctuation inside a word or an abbreviation ("S.A.R.L.", "O'Brien", "A/S").
_DROPPED = r"[\u0300-\u036f.'\u2019/]"
_SEPARATORS = "[^a-z0-9]+"
# Legal forms, once folded: UK, France, Norway, Germany, Austria,
# Switzerland, Benelux, Denmark, Estonia, and the common English ones.
LEGAL_FORMS = (
    "ltd", "limited", "plc", "llp", "lp", "llc", "inc", "cic",
    "sas", "sasu", "sarl", "sa", "snc", "eurl", "sca", "scs", "sci", "scop",
    "as", "asa", "ans", "da", "ks", "nuf",
    "gmbh", "ag", "kg", "ug",
    "bv", "nv", "srl", "bvba", "sprl", "vof", "cv",
    "aps", "ivs", "ou", "mtu", "tu", "uu", "fie",
)
# A legal form is a word between spaces, on the key padded with one space
# each side: removed with its leading space, it leaves single spaces.
_LEGAL_FORM_WORDS = " (" + "|".join(LEGAL_FORMS) + ")(?= )"

_PYTHON_MAP = str.maketrans({
    **dict(zip(string.ascii_uppercase, string.ascii_lowercase)), **dict(zip(_FROM, _TO)), **dict(_MULTI),
    "&": " and ",
})


def name_key(name):
    """The normalised key of a company name, or None when nothing is left."""
    if not name:
        return None
    key = name.translate(_PYTHON_MAP)
    key = re.sub(_DROPPED, "", key)
    key = re.sub(_SEPARATORS, " ", key)
    key = re.sub(_LEGAL_FORM_WORDS, "", f" {key} ").strip(" ")
    return key or None


def _sql_literal(value):
    return "'" + value.replace("'", "''") + "'"


def name_key_sql(expression):
    """The SQL expression of `name_key` applied to the SQL expression `expression`.

    Millions of names go through it at each register import: the letters
    outside ASCII (a long translate(), the costliest step) are folded only
    in the names that have some, and ASCII capitals by lower() under the "C"
    collation, which changes nothing but A to Z whatever the database's locale.
    """
    folded = expression
    for letter, replacement in _MULTI:
        folded = f"replace({folded}, {_sql_literal(letter)}, {_sql_literal(replacement)})"
    # translate() compares each character with every letter of its list: the
    # Latin-1 letters (most accented names) first, the rest only for a name
    # that still has letters outside ASCII (the same result: the letters
    # become ASCII ones, which neither list holds).
    folded = f"translate({folded}, {_sql_literal(_FROM_LATIN1)}, {_sql_literal(_TO_LATIN1)})"
    folded = (f"CASE WHEN {expression} ~ {_sql_literal(_OTHER_RANGE)} THEN "
              f"translate({folded}, {_sql_literal(_FROM_OTHER)}, {_sql_literal(_TO_OTHER)}) ELSE {folded} END")
    sql = f"CASE WHEN octet_length({expression}) = length({expression}) THEN {expression} ELSE {folded} END"
    # Back to the default collation after: a key compared under "C" could
    # not use the index of the stored keys.
    sql = f"""replace(lower(({sql}) COLLATE "C") COLLATE "default", '&', ' and ')"""
    sql = f"regexp_replace({sql}, {_sql_literal(_DROPPED)}, '', 'g')"
    sql = f"regexp_replace({sql}, {_sql_literal(_SEPARATORS)}, ' ', 'g')"
    sql = f"regexp_replace(' ' || {sql} || ' ', {_sql_literal(_LEGAL_FORM_WORDS)}, '', 'g')"
    return f"NULLIF(btrim({sql}, ' '), '')"
