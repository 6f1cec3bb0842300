/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    checkCost,
    checkRecordCount,
    dialogClosed,
    openCrmApp,
    openGenerateLeadsDialog,
    openPipeline,
    setField,
    submitDialog,
    viewCreatedLeads,
} from "./lead_mining_tour_utils";

/**
 * A sales manager using leads mines 2 companies from CRM > Leads: the dialog
 * proposes leads, a notification says how many were created and its View
 * button opens the list of the new leads; from the
 * pipeline, the same dialog proposes opportunities.
 */
registry.category("web_tour.tours").add("crm_iap_mine_leads", {
    test: true,
    url: "/web",
    steps: () => [
        ...openCrmApp(),
        {
            content: "Open CRM > Leads",
            trigger: ".o_main_navbar [data-menu-xmlid='crm.crm_menu_leads']",
            run: "click",
        },
        {
            content: "The leads list is loaded",
            trigger: ".o_last_breadcrumb_item:contains('Leads')",
            extra_trigger: ".o_list_view .o_list_renderer",
            isCheck: true,
        },
        ...openGenerateLeadsDialog(),
        {
            content: "From the Leads menu, the request creates leads",
            trigger: ".o_field_widget[name=lead_type] input[data-value=lead]:checked",
            isCheck: true,
        },
        setField("lead_number", 2),
        checkCost("Up to 2 credits: 1 per company found.", "Balance: 1,000 credits."),
        submitDialog(),
        dialogClosed(),
        ...viewCreatedLeads("2 leads created."),
        {
            content: "Landed on the list of the new leads, opened over the leads list",
            trigger: ".o_control_panel .breadcrumb-item:not(.o_last_breadcrumb_item):contains('Leads')",
            extra_trigger: ".o_list_view .o_data_row",
            isCheck: true,
        },
        checkRecordCount(".o_list_view", ".o_data_row", 2),
        // From the pipeline, the same user mines opportunities by default.
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        {
            content: "From the pipeline, the request creates opportunities",
            trigger: ".o_field_widget[name=lead_type] input[data-value=opportunity]:checked",
            isCheck: true,
        },
        {
            content: "Close the dialog without mining",
            trigger: ".modal-footer button:contains('Cancel')",
            run: "click",
        },
        dialogClosed(),
    ],
});
