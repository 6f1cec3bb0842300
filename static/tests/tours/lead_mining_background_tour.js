/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    checkCost,
    dialogClosed,
    openCrmMenu,
    openGenerateLeadsDialog,
    openPipeline,
    setField,
    submitDialog,
} from "./lead_mining_tour_utils";

/**
 * A sales manager asks the company directory for 250 opportunities: the
 * request goes to the background, shows its progress in the list and the
 * form, and is cancelled there. Python (test_background_request_progress_and_cancel)
 * prepares: directory as default provider with 260 US companies and 1000
 * credits (no cron runs during tours); and checks the ledger afterwards.
 */
registry.category("web_tour.tours").add("crm_iap_mine_background", {
    test: true,
    url: "/web",
    steps: () => [
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        setField("lead_number", 250),
        checkCost("Up to 250 credits: 1 per company found.", "Balance: 1,000 credits."),
        submitDialog(),
        {
            content: "The dialog closes with a notice: the request is queued",
            trigger: ".o_notification:contains('queued'):contains('250 leads will be created in the background')",
            isCheck: true,
        },
        dialogClosed(),
        ...openCrmMenu("crm.crm_menu_config", "crm_iap_mine.crm_iap_lead_mining_request_menu_action"),
        {
            content: "The list shows the queued request with its progress",
            trigger: ".o_data_row:has(.badge:contains('Queued')) .o_field_progressbar:contains('250')",
            isCheck: true,
        },
        {
            content: "Open it",
            trigger: ".o_data_row:has(.badge:contains('Queued')) td[name=name]",
            run: "click",
        },
        {
            content: "The form says it works in the background, with a progress bar",
            trigger: ".alert-info:contains('in the background') .o_field_progressbar",
            extra_trigger: ".o_form_view .o_form_statusbar",
            isCheck: true,
        },
        {
            content: "Cancel it",
            trigger: ".o_form_statusbar button[name=action_cancel]:contains('Cancel')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            extra_trigger: ".modal-body:contains('batch in progress')",
            run: "click",
        },
        {
            content: "It is cancelled and nothing was charged",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains('Cancelled')",
            extra_trigger: ".o_form_view:not(:has(.alert-info:contains('in the background')))",
            isCheck: true,
        },
    ],
});
