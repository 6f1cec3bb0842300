/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    assert,
    checkCost,
    openGenerateLeadsDialog,
    openPipeline,
    pickRecord,
    setField,
    submitDialog,
    viewCreatedLeads,
} from "./lead_mining_tour_utils";

/** The number of leads is marked invalid, its limits in red, and the cost line and background hint are gone. */
function invalidNumber(value) {
    return [
        setField("lead_number", value),
        {
            content: `${value} leads: the field is invalid next to its limits`,
            trigger: ".o_field_widget[name=lead_number].o_field_invalid",
            extra_trigger: ".o_crm_iap_mine_limits_invalid:contains('(1 to 10,000)')",
            run() {
                const hidden = [".modal-footer .o_crm_iap_mine_cost", ".o_crm_iap_mine_background_hint"];
                for (const selector of hidden) {
                    assert(!document.querySelector(`.modal ${selector}`), `${selector} is shown for ${value} leads`);
                }
            },
        },
    ];
}

/**
 * Money before the click, and credits added without losing the request:
 * the company directory has 2 credits and 5 American companies. The cost
 * line warns before submitting; invalid numbers are marked; the missing
 * credits are added on top of the dialog, which keeps what was typed.
 */
registry.category("web_tour.tours").add("crm_iap_mine_credits", {
    test: true,
    url: "/web",
    steps: () => [
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        checkCost("Up to 3 credits: 1 per company found.", "Balance: 2 credits."),
        {
            content: "Before submitting, the cost line is a warning: 3 credits needed, 2 left",
            trigger: ".modal-footer .o_crm_iap_mine_cost .text-danger .o_crm_iap_mine_shortfall:contains('Not enough credits: this request may need 3 and 2 are left.')",
            extra_trigger: ".modal-footer .o_crm_iap_mine_cost .o_crm_iap_mine_add_credits:contains('Add credits')",
            isCheck: true,
        },
        ...invalidNumber("0"),
        ...invalidNumber("50000"),
        setField("lead_number", "250"),
        {
            content: "250 leads: valid again, in the background, and the warning says 250",
            trigger: ".o_crm_iap_mine_background_hint:contains('Runs in the background')",
            extra_trigger: ".modal-footer .o_crm_iap_mine_shortfall:contains('may need 250 and 2 are left')",
            run() {
                assert(!document.querySelector(".modal .o_field_widget[name=lead_number].o_field_invalid"), "still invalid");
            },
        },
        setField("lead_number", "4"),
        ...pickRecord("tag_ids", "Tour Mined", "Tour Mined", { tag: true }),
        {
            content: "Submit anyway",
            trigger: ".modal-footer .o_crm_iap_mine_shortfall:contains('may need 4 and 2 are left')",
            run() {
                document.querySelector(".modal-footer button[name=action_submit]").click();
            },
        },
        {
            content: "The error offers to add credits to the directory",
            trigger: ".alert-danger:has(.o_crm_iap_mine_error:contains('enough credits')) .o_crm_iap_mine_add_credits:contains('Add credits')",
            extra_trigger: ".alert-danger:not(:has(button[name=action_buy_credits]))",
            run: "click",
        },
        {
            content: "The top-up opens on top of the Generate Leads dialog",
            trigger: ".modal-title:contains('Add credits')",
            run() {
                const titles = [...document.querySelectorAll(".modal .modal-title")].map((el) => el.textContent);
                assert(titles.length === 2 && titles[0].includes("Generate Leads"), `dialogs: ${titles}`);
            },
        },
        setField("amount", "10"),
        setField("reference", "PO 2026/0042"),
        {
            content: "Add the credits",
            trigger: ".modal-footer button:contains('Add credits')",
            extra_trigger: ".modal-title:contains('Add credits')",
            run: "click",
        },
        {
            content: "Back on the same request: 4 leads, the tag, no stale error, the new balance",
            trigger: ".modal-footer .o_crm_iap_mine_cost:contains('Balance: 12 credits.')",
            extra_trigger: ".modal .o_form_view:not(:has(.alert-danger)) .o_field_widget[name=tag_ids] .o_tag:contains('Tour Mined')",
            run() {
                const titles = document.querySelectorAll(".modal .modal-title");
                assert(titles.length === 1, `${titles.length} dialogs are open`);
                const number = document.querySelector(".modal .o_field_widget[name=lead_number] input").value;
                assert(number === "4", `the dialog shows ${number} leads`);
                assert(!document.querySelector(".modal .o_crm_iap_mine_shortfall"), "still warned");
            },
        },
        submitDialog(),
        ...viewCreatedLeads("4 opportunities created."),
        {
            content: "Landed on the new opportunities",
            trigger: ".o_last_breadcrumb_item:contains('Opportunities')",
            in_modal: false,
            isCheck: true,
        },
    ],
});
