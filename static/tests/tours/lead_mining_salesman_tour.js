/** @odoo-module **/

import { registry } from "@web/core/registry";
import { assert, openPipeline } from "./lead_mining_tour_utils";

/** A salesman (not a manager) has no Generate Leads button in the pipeline. */
registry.category("web_tour.tours").add("crm_iap_mine_salesman", {
    test: true,
    url: "/web",
    steps: () => [
        ...openPipeline(),
        {
            content: "The pipeline's control panel is rendered (New button shown)",
            trigger: ".o_control_panel .o-kanban-button-new",
            isCheck: true,
        },
        {
            content: "... without Generate Leads",
            trigger: ".o_control_panel:not(:has(.o_button_generate_leads))",
            run() {
                assert(!document.querySelector(".o_button_generate_leads"),
                    "a salesman sees Generate Leads");
            },
        },
    ],
});
