/** @odoo-module **/

import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { patch } from "@web/core/utils/patch";
import { markup } from "@odoo/owl";
import "@crm/js/tours/crm";

/**
 * The CRM onboarding tour shows Generate Leads right after the first won
 * deal, as the stock Lead Generation module did: modules built on it expect
 * these steps in `crm_tour`.
 */
patch(registry.category("web_tour.tours").get("crm_tour"), {
    steps() {
        const steps = super.steps();
        const wonStep = steps.findIndex((step) => step.id === "drag_opportunity_to_won_step");
        steps.splice(wonStep + 1, 0,
            {
                id: "crm_iap_mine_generate_leads_step",
                trigger: ".o_button_generate_leads",
                content: markup(_t("Need more prospects? <b>Generate Leads</b> finds new companies for your pipeline.")),
                position: "bottom",
                run: "click",
            },
            {
                trigger: ".modal-body .o_industry",
                content: _t("Choose the industries of the companies you want to reach."),
                position: "right",
            },
            {
                trigger: ".modal-footer button[name=action_submit]",
                content: _t("Then generate them: they arrive in your pipeline, assigned to you."),
                position: "bottom",
                run(actions) {
                    // The onboarding shows the dialog; it spends no credits.
                    actions.click(".modal-footer button[special=cancel]");
                },
            },
        );
        return steps;
    },
});
