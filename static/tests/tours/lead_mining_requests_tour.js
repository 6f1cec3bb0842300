/** @odoo-module **/

import { registry } from "@web/core/registry";
import { checkRecordCount, openCrmMenu, viewCreatedLeads } from "./lead_mining_tour_utils";

/**
 * Configuration > Lead Generation > Lead Mining Requests. Python prepares a
 * done request of 2 opportunities and a request of 5 that failed (HTTP 500),
 * then repairs the service.
 */
registry.category("web_tour.tours").add("crm_iap_mine_requests", {
    test: true,
    url: "/web",
    steps: () => [
        ...openCrmMenu("crm.crm_menu_config", "crm_iap_mine.crm_iap_lead_mining_request_menu_action"),
        {
            content: "The requests are listed",
            trigger: ".o_last_breadcrumb_item:contains('Lead Mining Requests')",
            extra_trigger: ".o_list_view .o_data_row",
            isCheck: true,
        },
        checkRecordCount(".o_list_view", ".o_data_row", 2),
        {
            content: "Open the done request",
            trigger: ".o_data_row:contains('2 Opportunities'):has(.badge:contains('Done')) td[name=name]",
            run: "click",
        },
        {
            content: "Its stat button counts its opportunities",
            trigger: ".oe_stat_button[name=action_get_opportunity_action]:has(.o_stat_value:contains('2')):contains('Opportunities')",
            extra_trigger: ".o_form_view .o_form_statusbar .o_arrow_button_current:contains('Done')",
            run: "click",
        },
        {
            content: "The stat button opens its opportunities",
            trigger: ".o_last_breadcrumb_item:contains('Opportunities')",
            extra_trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
            isCheck: true,
        },
        checkRecordCount(".o_kanban_view", ".o_kanban_record:not(.o_kanban_ghost)", 2),
        {
            content: "Back to the requests",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Lead Mining Requests')",
            run: "click",
        },
        {
            content: "Open the request in error",
            trigger: ".o_data_row:contains('5 Opportunities'):has(.badge:contains('Error')) td[name=name]",
            run: "click",
        },
        {
            content: "It says what went wrong",
            trigger: ".alert-danger .o_crm_iap_mine_error:contains('The service answered with an HTTP error')",
            extra_trigger: ".o_form_view .o_form_statusbar",
            isCheck: true,
        },
        {
            content: "Retry, now that the service is back",
            trigger: ".o_form_statusbar button[name=action_submit]:contains('Retry')",
            run: "click",
        },
        ...viewCreatedLeads("5 opportunities created."),
        {
            content: "View opens the 5 new opportunities",
            trigger: ".o_last_breadcrumb_item:contains('Opportunities')",
            extra_trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
            isCheck: true,
        },
        checkRecordCount(".o_kanban_view", ".o_kanban_record:not(.o_kanban_ghost)", 5),
        {
            content: "Back to the request",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('LMR')",
            run: "click",
        },
        {
            content: "The request is done, with no error left",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains('Done')",
            extra_trigger: ".o_form_view:not(:has(.alert-danger .o_crm_iap_mine_error))",
            isCheck: true,
        },
        {
            content: "... and counts its 5 opportunities",
            trigger: ".oe_stat_button[name=action_get_opportunity_action] .o_stat_value:contains('5')",
            isCheck: true,
        },
    ],
});
