/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openCrmMenu } from "./lead_mining_tour_utils";

/**
 * An administrator opens a register import running in the background: the
 * form shows its progress bar and live counts, and Cancel stops it at once.
 * Python (test_register_import_progress_and_cancel) prepares the running
 * import and its live counts, and checks it is cancelled after.
 */
registry.category("web_tour.tours").add("crm_iap_mine_register_progress", {
    test: true,
    url: "/web",
    steps: () => [
        ...openCrmMenu("crm.crm_menu_config", "crm_iap_mine.crm_iap_lead_register_import_menu"),
        {
            content: "Open the running import",
            trigger: ".o_data_row:has(.badge:contains('Running')) td[name=register_code]",
            run: "click",
        },
        {
            content: "The progress bar and the live counts",
            trigger: ".o_field_register_import_progress .o_progressbar:contains('40')",
            extra_trigger: "div[name=live_rows_read]:contains('4,000')",
            isCheck: true,
        },
        {
            content: "Cancel it",
            trigger: ".o_form_statusbar button[name=action_cancel]",
            run: "click",
        },
        {
            content: "Cancelled: the button goes",
            trigger: ".o_form_statusbar:not(:has(button[name=action_cancel])) .o_arrow_button_current:contains('Cancelled')",
            isCheck: true,
        },
    ],
});
