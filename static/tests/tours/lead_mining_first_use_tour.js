/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    assert,
    openGenerateLeadsDialog,
    openPipeline,
    setField,
    submitDialog,
    visible,
} from "./lead_mining_tour_utils";

/**
 * A sales manager opens Generate Leads for the first time: the
 * data-protection box is there from the start, the limits of the number of
 * leads are shown, a number out of range is kept as typed with a notice,
 * submitting without the box says what is missing, and cancelling leaves no
 * request behind (checked in Python).
 */
registry.category("web_tour.tours").add("crm_iap_mine_first_use", {
    test: true,
    url: "/web",
    steps: () => [
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        {
            content: "The acknowledgement box is visible on first open, unticked, with the notice",
            trigger: ".o_crm_iap_mine_gdpr:contains('EU regulations') .o_field_widget[name=gdpr_acknowledged] input[type=checkbox]:not(:checked)",
            isCheck: true,
        },
        {
            content: "The limits of this provider are shown next to the number",
            trigger: ".o_field_widget[name=lead_number_limits]:contains('(1 to 200)')",
            isCheck: true,
        },
        setField("lead_number", 0),
        {
            content: "0 leads: a notice says what is allowed",
            trigger: ".o_notification:contains('between 1 and 200 with this provider (you typed 0)')",
            in_modal: false,
            run() {
                const typed = visible(".o_field_widget[name=lead_number] input")[0].value;
                assert(typed === "0", `the number typed became ${typed}`);
            },
        },
        setField("lead_number", 12345),
        {
            content: "A 5-digit number fits in the field",
            trigger: ".o_notification:contains('you typed 12,345')",
            in_modal: false,
            run() {
                const input = visible(".o_field_widget[name=lead_number] input")[0];
                assert(input.value.replace(/\D/g, "") === "12345", `the number typed became ${input.value}`);
                assert(input.scrollWidth <= input.clientWidth, "12345 does not fit in the field");
            },
        },
        setField("lead_number", 3),
        submitDialog(),
        {
            content: "Without the box, Generate Leads says what is missing",
            trigger: ".o_error_dialog:contains('Tick the box') .o-default-button",
            run: "click",
        },
        {
            content: "Cancel the dialog",
            trigger: ".modal-footer button:contains('Cancel')",
            extra_trigger: "body:not(:has(.o_error_dialog))",
            run: "click",
        },
        {
            content: "The dialog is closed, the pipeline is back",
            trigger: "body:not(:has(.modal)) .o_opportunity_kanban",
            in_modal: false,
            isCheck: true,
        },
    ],
});
