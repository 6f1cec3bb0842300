"""Constants shared by several models of the addon.

The state tables say, for each target state, from which states it may be
reached: `crm.iap.lead.state.mixin._update_state` is the one place that
checks them, so every move of a record's `state` is declared here once.
"""

# crm.iap.lead.mining.request: {target state: states it may be reached from}
REQUEST_STATE_TRANSITIONS = {
    # Background requests wait in the queue for the cron.
    "queued": ("draft", "error"),
    # Now (from draft or a retried error) or by the cron (from the queue).
    "running": ("draft", "error", "queued"),
    # A schedule starts from a draft or a retried error, or is resumed.
    "recurring": ("draft", "error", "paused"),
    "paused": ("recurring",),
    "done": ("running",),
    # Draft and error: the stock API stores an error on a request never started.
    "error": ("draft", "error", "queued", "running"),
    "cancel": ("queued", "running", "recurring", "paused"),
    "draft": ("error", "cancel"),
}
# Where *Submit* and *Retry* may start from.
SUBMITTABLE_STATES = ("draft", "error")
# Where a request holds nothing any more: reaching one settles its credits.
SETTLED_STATES = ("draft", "done", "error", "cancel")
# A request with work waiting (and credits held, or a schedule) cannot be deleted.
UNDELETABLE_STATES = ("queued", "running", "recurring")

# crm.iap.lead.register.import: {target state: states it may be reached from}.
# A new state (e.g. an import waiting for confirmation, a running one taken
# up again by the next cron run) is a line here and a value of the field.
IMPORT_STATE_TRANSITIONS = {
    # *Import now* queues the import and runs it at once, in one transaction;
    # *Confirm* queues a complete snapshot stopped before archiving too much.
    "queued": ("draft", "to_confirm"),
    "running": ("queued",),
    # A complete snapshot that would archive more than 10 % of the register.
    "to_confirm": ("running",),
    "done": ("running",),
    # 3 background runs without progress end a queued one too.
    "error": ("queued", "running"),
    # At once, wherever it stands: its staging is dropped.
    "cancel": ("draft", "queued", "running", "to_confirm"),
}

# crm.iap.lead.directory.link: {target state: states it may be reached from}.
# A suggestion (name and postcode only) is confirmed or rejected; a link is
# removed by rejecting it, so that no matching run proposes it again.
LINK_STATE_TRANSITIONS = {
    "linked": ("suggested",),
    "rejected": ("suggested", "linked"),
}

# crm.iap.lead.directory.matching: a background run over every partner and lead.
MATCHING_STATE_TRANSITIONS = {
    "done": ("queued",),
    "cancel": ("queued",),
}
