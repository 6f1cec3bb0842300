"""Company domains: how a website or an e-mail address names its company."""
import re

from odoo.addons.iap.tools.iap_tools import _MAIL_DOMAIN_BLACKLIST

_DOMAIN_RE = re.compile(r"^(?:[a-z0-9+.-]+://)?(?:www\.)?([^/:?#@\s]+)")


def normalize_domain(value):
    """'https://www.Acme.example/about' -> 'acme.example'; False when none."""
    match = _DOMAIN_RE.match((value or "").strip().lower())
    return match.group(1).rstrip(".") if match else False


def normalized_domain_sql(value):
    """SQL: `normalize_domain` of a text expression, NULL when none (the
    register imports normalise in SQL what they read)."""
    return (f"NULLIF(rtrim(substring(lower(btrim({value})) from "
            f"'^(?:[a-z0-9+.-]+://)?(?:www\\.)?([^/:?#@[:space:]]+)'), '.'), '')")


def email_domain(email):
    """The company domain of an e-mail address, False for public providers."""
    _local, at, domain = (email or "").strip().lower().rpartition("@")
    if not at or not domain or domain in _MAIL_DOMAIN_BLACKLIST:
        return False
    return domain
