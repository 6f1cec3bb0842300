"""To 17.0.3.0.0, once the models are loaded: key the e-mail fingerprints
that erasure traces of 17.0.2.0.0 kept as a plain SHA-256. Idempotent."""
import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.crm_iap_mine.models.crm_iap_lead_erasure import FINGERPRINT_METHOD, key_digest

_logger = logging.getLogger("odoo.addons.crm_iap_mine.migrations")


def key_legacy_fingerprints(env):
    """Key, in place, the plain SHA-256 fingerprints of older traces."""
    cr = env.cr
    cr.execute("""
        SELECT id, email_fingerprint FROM crm_iap_lead_erasure
         WHERE fingerprint_method IS NULL AND email_fingerprint IS NOT NULL
    """)
    rows = cr.fetchall()
    if not rows:
        return
    secret = env["ir.config_parameter"].sudo().get_param("database.secret")
    cr.execute("""
        UPDATE crm_iap_lead_erasure t SET email_fingerprint = keyed.fingerprint, fingerprint_method = %s
          FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::varchar[]) AS fingerprint) keyed
         WHERE t.id = keyed.id
    """, (FINGERPRINT_METHOD, [row[0] for row in rows], [key_digest(secret, row[1]) for row in rows]))
    _logger.info("crm_iap_mine: keyed the fingerprints of %s erasure traces", len(rows))
    env["crm.iap.lead.erasure"].invalidate_model(["email_fingerprint", "fingerprint_method"])


def migrate(cr, version):
    if version:
        key_legacy_fingerprints(api.Environment(cr, SUPERUSER_ID, {}))
