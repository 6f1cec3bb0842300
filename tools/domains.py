"""Company domains: how a website or an e-mail address names its company."""
import re

from odoo.addons.iap.tools.iap_tools import _MAIL_DOMAIN_BLACKLIST

_DOMAIN_RE = re.compile(r"^(?:[a-z0-9+.-]+://)?(?:www\.)?([^/:?#@\s]+)")


def normalize_domain(value):
    """'https://www.Acme.example/about' -> 'acme.example'; False when none."""
    match = _DOMAIN_RE.match((value or "").strip().lower())
    return match.group(1).rstrip(".") if match else False


# SQL of `normalize_domain` on a column `{col}` (but the trailing dot): also
# the expression of the dedupe's indexes on websites, which must not change.
WEBSITE_DOMAIN_SQL = r"substring(lower({col}) from '^(?:[a-z0-9+.-]+://)?(?:www\.)?([^/:?#@\s]+)')"


def normalized_domain_sql(value):
    """SQL: `normalize_domain` of a text expression, NULL when none (the
    register imports normalise in SQL what they read)."""
    return f"NULLIF(rtrim({WEBSITE_DOMAIN_SQL.format(col=f'btrim({value})')}, '.'), '')"


def email_domain(email):
    """The company domain of an e-mail address, False for public providers."""
    _local, at, domain = (email or "").strip().lower().rpartition("@")
    if not at or not domain or domain in _MAIL_DOMAIN_BLACKLIST:
        return False
    return domain
