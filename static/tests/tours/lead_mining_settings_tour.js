/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openCrmMenu } from "./lead_mining_tour_utils";

/** CRM > Configuration > Settings shows Lead Mining with its credit balance. */
registry.category("web_tour.tours").add("crm_iap_mine_settings", {
    test: true,
    url: "/web",
    steps: () => [
        ...openCrmMenu("crm.crm_menu_config", "crm.crm_config_settings_menu"),
        {
            content: "The Lead Mining setting is ticked",
            trigger: ".o_setting_box:has(.o_form_label:contains('Lead Mining')) .o_field_widget[name=module_crm_iap_mine] input:checked",
            extra_trigger: ".o_settings_container",
            isCheck: true,
        },
        {
            content: "It shows the credit balance of the service",
            trigger: ".o_setting_box:has(.o_form_label:contains('Lead Mining')) .o_crm_iap_mine_balance .o_crm_iap_mine_balance_text:contains('Balance: 1,000 credits.')",
            isCheck: true,
        },
        {
            content: "... and the way to buy credits (not clicked: it points outside)",
            trigger: ".o_setting_box:has(.o_crm_iap_mine_balance) button.buy_credits:contains('Buy credits')",
            isCheck: true,
        },
    ],
});
