/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    checkRecordCount,
    chooseRadio,
    openGenerateLeadsDialog,
    openPipeline,
    submitDialog,
    viewCreatedLeads,
} from "./lead_mining_tour_utils";

/**
 * Odoo IAP is out of reach (its host never answers): the dialog says so
 * next to the provider before anything is submitted, says what it does
 * while it waits, and offers the company directory, before and after the
 * failure. Python (TestLeadMiningTours) prepares a directory of 3 American
 * companies with 50 credits.
 */
registry.category("web_tour.tours").add("crm_iap_mine_unreachable", {
    test: true,
    url: "/web",
    steps: () => [
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        {
            content: "Before submitting: Odoo IAP could not be reached for its balance, and the directory is offered",
            trigger: ".o_crm_iap_mine_provider_warning:contains('Odoo IAP cannot be reached right now') .o_crm_iap_mine_switch_provider:contains('Use Company directory instead')",
            extra_trigger: ".o_field_widget[name=provider] input[data-value=iap]:checked",
            isCheck: true,
        },
        submitDialog(),
        {
            content: "While waiting, the dialog says what it is doing",
            trigger: ".modal-footer .o_crm_iap_mine_waiting:contains('Asking Odoo IAP for 3 companies')",
            isCheck: true,
        },
        {
            content: "The error offers the directory, with a button that switches to it",
            trigger: ".alert-danger:has(.o_crm_iap_mine_error:contains('could not be reached'):contains('Company directory can take this request now.')) .o_crm_iap_mine_switch_provider:contains('Use Company directory instead')",
            extra_trigger: ".modal-footer:not(:has(.o_crm_iap_mine_waiting))",
            run: "click",
        },
        {
            content: "The directory is chosen, and the stale error and the warning are gone",
            trigger: ".o_field_widget[name=provider] input[data-value=directory]:checked",
            extra_trigger: ".modal .o_form_view:not(:has(.alert-danger)):not(:has(.o_crm_iap_mine_provider_warning))",
            isCheck: true,
        },
        ...chooseRadio("provider", "iap"),
        {
            content: "Back on Odoo IAP, the warning offers the directory again: take it",
            trigger: ".o_crm_iap_mine_provider_warning .o_crm_iap_mine_switch_provider:contains('Use Company directory instead')",
            run: "click",
        },
        {
            content: "The directory is chosen again",
            trigger: ".o_field_widget[name=provider] input[data-value=directory]:checked",
            extra_trigger: ".modal .o_form_view:not(:has(.o_crm_iap_mine_provider_warning))",
            isCheck: true,
        },
        submitDialog(),
        ...viewCreatedLeads("3 opportunities created."),
        {
            content: "Landed on the new opportunities",
            trigger: ".o_last_breadcrumb_item:contains('Opportunities')",
            extra_trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
            in_modal: false,
            isCheck: true,
        },
        checkRecordCount(".o_kanban_view", ".o_kanban_record:not(.o_kanban_ghost)", 3),
    ],
});
