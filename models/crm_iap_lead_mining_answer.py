"""Answers of the IAP lead-mining service, kept so that a paid search is
never asked (nor paid) twice when Odoo retries a transaction."""
import json

from odoo import api, fields, models

from ..tools.protocols import MiningResult


class CrmIapLeadMiningAnswer(models.Model):
    """An answer of the IAP service, stored as soon as it arrives.

    Written through a separate, committed cursor, so that it survives the
    rollback of the transaction that asked for it. The request settles it
    (`iap_answer_id`) in the transaction that records its charge; an answer
    still unsettled belongs to a submission whose transaction was rolled back
    (Odoo retries it): the retry uses it instead of paying again.
    """

    _name = "crm.iap.lead.mining.answer"
    _description = "Lead Mining Service Answer"
    _log_access = False

    # Not a Many2one: the request may not be committed yet when the answer is.
    request_id = fields.Integer(required=True, index=True, readonly=True)
    answer = fields.Json(readonly=True)

    @api.model
    def _store(self, request, result):
        """Commit `result` for `request` at once; return the answer's id."""
        answer = json.dumps({"items": result.items, "malformed": result.malformed,
                             "dropped_people": result.dropped_people})
        with self.env.registry.cursor() as cr:
            cr.execute("INSERT INTO crm_iap_lead_mining_answer (request_id, answer) VALUES (%s, %s) RETURNING id",
                       (request.id, answer))
            return cr.fetchone()[0]

    @api.model
    def _find_unsettled(self, request):
        """The MiningResult of an answer `request` has not settled, or None.

        Read through a fresh cursor: this transaction's snapshot may predate
        the commit of the answer.
        """
        with self.env.registry.cursor() as cr:
            cr.execute("""
                SELECT id, answer FROM crm_iap_lead_mining_answer
                 WHERE request_id = %s AND id > %s ORDER BY id DESC LIMIT 1
            """, (request.id, request.iap_answer_id))
            row = cr.fetchone()
        if not row:
            return None
        answer_id, answer = row
        return MiningResult(items=answer["items"], malformed=answer["malformed"],
                            dropped_people=answer["dropped_people"], answer_id=answer_id)

    @api.autovacuum
    def _gc_settled_answers(self):
        self.env.cr.execute("""
            DELETE FROM crm_iap_lead_mining_answer answer
             WHERE NOT EXISTS (SELECT 1 FROM crm_iap_lead_mining_request request
                                WHERE request.id = answer.request_id AND COALESCE(request.iap_answer_id, 0) < answer.id)
        """)
