/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    assert,
    checkCost,
    openGenerateLeadsDialog,
    openPipeline,
    submitDialog,
} from "./lead_mining_tour_utils";

/**
 * The service account is empty: the dialog stays open on the request, shows
 * the error and the way to buy credits (never followed: it leaves 127.0.0.1).
 */
registry.category("web_tour.tours").add("crm_iap_mine_no_credits", {
    test: true,
    url: "/web",
    steps: () => [
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        checkCost("Up to 3 credits: 1 per company found.", "Balance: 0 credits."),
        submitDialog(),
        {
            content: "The dialog shows why nothing was created",
            trigger: ".alert-danger .o_crm_iap_mine_error:contains('You do not have enough credits to submit this request.')",
            isCheck: true,
        },
        {
            content: "... and offers to buy credits (not clicked: it points outside)",
            trigger: ".alert-danger button[name=action_buy_credits]:contains('Buy credits')",
            isCheck: true,
        },
        {
            content: "The dialog was reopened in place, not stacked on a second one",
            trigger: ".modal-title:contains('Generate Leads')",
            run() {
                const dialogs = document.querySelectorAll(".o_dialog .modal");
                assert(dialogs.length === 1, `${dialogs.length} dialogs are open`);
            },
        },
        {
            content: "The request can be sent again from the same dialog",
            trigger: ".modal-footer button[name=action_submit]:contains('Generate Leads')",
            extra_trigger: ".modal-title:contains('Generate Leads')",
            isCheck: true,
        },
        {
            content: "Cancel: the request that never ran is discarded",
            trigger: ".modal-footer button[name=action_close_after_error]:contains('Cancel')",
            run: "click",
        },
        {
            content: "Back on the pipeline",
            trigger: "body:not(:has(.modal)) .o_last_breadcrumb_item:contains('Pipeline')",
            in_modal: false,
            isCheck: true,
        },
    ],
});
