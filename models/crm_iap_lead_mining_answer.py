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

    A run of a recurring request is created in the transaction that mines
    it: rolled back, it is gone, and so would be its answer. The answer
    also names the schedule, whose next run takes it over (and settles it)
    instead of paying again; until then it is kept.
    """

    _name = "crm.iap.lead.mining.answer"
    _description = "Lead Mining Service Answer"
    _log_access = False

    # Not a Many2one: the request may not be committed yet when the answer is.
    request_id = fields.Integer(required=True, index=True, readonly=True)
    # The recurring request of a run (its parent), for the same reasons.
    schedule_id = fields.Integer(index="btree_not_null", readonly=True)
    answer = fields.Json(readonly=True)

    @api.model
    def _store(self, request, result):
        """Commit `result` for `request` at once; return the answer's id."""
        answer = json.dumps({"items": result.items, "malformed": result.malformed,
                             "dropped_people": result.dropped_people})
        with self.env.registry.cursor() as cr:
            cr.execute("""
                INSERT INTO crm_iap_lead_mining_answer (request_id, schedule_id, answer) VALUES (%s, %s, %s)
                RETURNING id
            """, (request.id, request.parent_id.id or None, answer))
            return cr.fetchone()[0]

    @api.model
    def _take_over_rolled_back_run(self, request):
        """Key to `request`, a run of a recurring request, the newest answer a
        rolled-back run of the same schedule left unsettled; return its id or 0.

        A run is gone when neither the database (a fresh cursor) nor this
        transaction has it. The new key is committed at once: rolled back
        again, this run is gone too, and the answer waits for the next one.
        """
        if not request.parent_id:
            return 0
        with self.env.registry.cursor() as cr:
            cr.execute("""
                SELECT a.id, a.request_id FROM crm_iap_lead_mining_answer a
                 WHERE a.schedule_id = %s AND a.request_id != %s
                   AND NOT EXISTS (SELECT 1 FROM crm_iap_lead_mining_request r WHERE r.id = a.request_id)
                 ORDER BY a.id DESC
            """, (request.parent_id.id, request.id))
            candidates = cr.fetchall()
            if not candidates:
                return 0
            self.env.cr.execute("SELECT id FROM crm_iap_lead_mining_request WHERE id = ANY(%s)",
                                ([request_id for _answer_id, request_id in candidates],))
            existing = {request_id for request_id, in self.env.cr.fetchall()}
            for answer_id, request_id in candidates:
                if request_id in existing:
                    continue
                cr.execute("UPDATE crm_iap_lead_mining_answer SET request_id = %s WHERE id = %s AND request_id = %s",
                           (request.id, answer_id, request_id))
                if cr.rowcount:
                    return answer_id
        return 0

    @api.model
    def _find_unsettled(self, request):
        """The MiningResult of an answer `request` has not settled, or None.

        Read through a fresh cursor: this transaction's snapshot may predate
        the commit of the answer.
        """
        self._take_over_rolled_back_run(request)
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
        """Delete the answers settled, or left by a request rolled back;
        those of a rolled-back run wait for the next run of their schedule
        while it is recurring or paused."""
        self.env["crm.iap.lead.mining.request"].flush_model(["state", "iap_answer_id"])
        self.env.cr.execute("""
            DELETE FROM crm_iap_lead_mining_answer answer
             WHERE NOT EXISTS (SELECT 1 FROM crm_iap_lead_mining_request request
                                WHERE request.id = answer.request_id AND COALESCE(request.iap_answer_id, 0) < answer.id)
               AND NOT (answer.schedule_id IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM crm_iap_lead_mining_request request
                                         WHERE request.id = answer.request_id)
                        AND EXISTS (SELECT 1 FROM crm_iap_lead_mining_request schedule
                                     WHERE schedule.id = answer.schedule_id
                                       AND schedule.state IN ('recurring', 'paused')))
        """)
