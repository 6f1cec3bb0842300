from odoo import models
from odoo.exceptions import UserError


class CrmIapLeadStateMixin(models.AbstractModel):
    """The one way to change the `state` of a record with a lifecycle.

    A model lists its allowed moves in `_state_transitions` (a table of
    `const.py`: {target state: states it may be reached from}) and calls
    `_update_state`, usually through small `_set_<state>` wrappers.
    """

    _name = "crm.iap.lead.state.mixin"
    _description = "Lead Mining Lifecycle"
    _state_transitions = {}

    def _update_state(self, target_state, values=None):
        """Move the records to `target_state` (writing `values` with it),
        refusing if any of them may not reach it from where it stands.

        The rows are locked and checked as the database has them, so a stale
        tab, a second click or an RPC call racing a cron cannot make the same
        move twice: the later transaction waits for the lock, fails to
        serialise, is retried by Odoo and is refused here.

        :raise UserError: a record may not reach `target_state` from its state.
        """
        if not self:
            return self
        allowed_states = self._state_transitions[target_state]
        self.flush_recordset()
        self.env.cr.execute(
            f'SELECT id FROM "{self._table}" WHERE id IN %s FOR NO KEY UPDATE', [tuple(self.ids)],
        )
        self.invalidate_recordset(["state"])
        refused = self.filtered(lambda record: record.state not in allowed_states)
        if refused:
            raise UserError(refused[0]._state_refusal(target_state))
        # `state` (and what the request keeps for its ledger) is written by
        # the module only: with sudo() after the checks above, which are the
        # permission, and those write access of the user would have checked.
        # Tracking keeps the user; the records are already the caller's.
        self.check_access_rights("write")
        self.check_access_rule("write")
        self.sudo().write(dict(values or {}, state=target_state))
        self._on_state_reached(target_state)
        return self

    def _state_refusal(self, target_state):
        """The sentence refusing to move this record to `target_state`."""
        raise NotImplementedError

    def _on_state_reached(self, target_state):
        """What follows a move, in the same transaction (nothing by default)."""
        return None

    def _state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env))[state]
