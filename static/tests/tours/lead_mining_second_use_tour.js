/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    chooseRadio,
    dialogClosed,
    openCrmApp,
    openCrmMenu,
    openGenerateLeadsDialog,
    openPipeline,
    pickRecord,
} from "./lead_mining_tour_utils";

/**
 * What a sales manager meets after the first request (issue 24, points 6 to
 * 9), as an administrator with the lead-mining service off. Python prepares
 * a company directory with 70 credits and a done request of 2 opportunities
 * (the IAP service has 998 credits left).
 */
registry.category("web_tour.tours").add("crm_iap_mine_second_use", {
    test: true,
    url: "/web",
    steps: () => [
        ...openCrmApp(),
        {
            content: "Open the Configuration menu",
            trigger: ".o_main_navbar [data-menu-xmlid='crm.crm_menu_config']",
            run: "click",
        },
        {
            content: "Lead Generation groups its menus; the service's are hidden while it is off",
            trigger: ".dropdown-menu_group.dropdown-header:contains('Data Protection')",
            extra_trigger: ".dropdown-menu_group.dropdown-header:contains('Credits')",
            run() {
                const headers = [...document.querySelectorAll(".dropdown-menu_group.dropdown-header")];
                const names = headers.map((header) => header.innerText.trim());
                for (const name of ["Lead Generation", "Registers", "Credits", "Data Protection"]) {
                    if (!names.includes(name)) {
                        throw new Error(`crm_iap_mine tour: no "${name}" heading in ${names}`);
                    }
                }
                if (names.includes("Lead-Mining Service")) {
                    throw new Error("crm_iap_mine tour: the service menus show while the service is off");
                }
            },
        },
        {
            content: "Open the credit ledger",
            trigger: ".o_main_navbar .dropdown-item[data-menu-xmlid='crm_iap_mine.crm_iap_lead_credit_line_menu']",
            run: "click",
        },
        {
            content: "The ledger's header gives the directory's balance",
            trigger: ".o_crm_iap_mine_ledger_balance[data-provider=directory]:contains('Company directory') .o_crm_iap_mine_balance_text:contains('Balance: 70 credits.')",
            extra_trigger: ".o_graph_view",
            isCheck: true,
        },
        {
            content: "... and the IAP service's",
            trigger: ".o_crm_iap_mine_ledger_balance[data-provider=iap]:contains('Odoo IAP') .o_crm_iap_mine_balance_text:contains('Balance: 998 credits.')",
            isCheck: true,
        },
        {
            content: "Reservations are filtered out by default",
            trigger: ".o_searchview .o_facet_value:contains('Spent')",
            isCheck: true,
        },
        ...openCrmMenu("crm.crm_menu_config", "crm_iap_mine.crm_iap_lead_mining_request_menu_action"),
        {
            content: "Open the done request",
            trigger: ".o_data_row:contains('2 Opportunities'):has(.badge:contains('Done')) td[name=name]",
            extra_trigger: ".o_list_view:not(.o_tour_replaced)",
            run: "click",
        },
        {
            content: "A request already made says what was requested, not what would you like",
            trigger: ".o_form_view h3:contains('Leads requested')",
            extra_trigger: ".o_form_view:not(:has(h3:contains('How many leads would you like?')))",
            isCheck: true,
        },
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        {
            content: "A new request asks how many leads",
            trigger: "h3:contains('How many leads would you like?')",
            isCheck: true,
        },
        ...chooseRadio("provider", "directory"),
        ...chooseRadio("search_type", "people"),
        {
            content: "The required Preferred Role shows it is required",
            trigger: ".o_field_widget[name=preferred_role_id].o_required_modifier.o_field_highlight input",
            isCheck: true,
        },
        ...pickRecord("preferred_role_id", "Sales", "Sales"),
        {
            content: "Repeat the request",
            trigger: ".o_field_widget[name=is_recurring] input[type=checkbox]",
            run: "click",
        },
        {
            content: "The monthly cap says 0 is no cap, the cost line that it is per run",
            trigger: ".o_crm_iap_mine_no_cap:contains('0 = no cap')",
            extra_trigger: ".modal-footer .o_crm_iap_mine_cost:contains('Per run:')",
            isCheck: true,
        },
        {
            content: "Close the dialog",
            trigger: ".modal-footer button[special=cancel]",
            run: "click",
        },
        dialogClosed(),
    ],
});
