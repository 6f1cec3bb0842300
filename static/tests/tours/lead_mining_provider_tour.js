/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    assert,
    checkCost,
    chooseRadio,
    dialogClosed,
    openCrmMenu,
    openGenerateLeadsDialog,
    openPipeline,
    pickRecord,
} from "./lead_mining_tour_utils";

/**
 * The settings choose the default provider, and the dialog offers what the
 * chosen provider can do: contacts from the directory, companies only from
 * Odoo IAP on its default Dun & Bradstreet protocol. Python (TestLeadMiningTours) prepares: a company
 * directory with 70 credits, the IAP service with 1000.
 */
registry.category("web_tour.tours").add("crm_iap_mine_provider", {
    test: true,
    url: "/web",
    steps: () => [
        ...openCrmMenu("crm.crm_menu_config", "crm.crm_config_settings_menu"),
        {
            content: "Choose the company directory as the default provider",
            trigger: ".o_field_widget[name=lead_mining_provider] select",
            extra_trigger: ".o_settings_container",
            run: "text Company directory",
        },
        {
            content: "The settings show the directory's own balance",
            trigger: ".o_crm_iap_mine_balance .o_crm_iap_mine_balance_text:contains('Balance: 70 credits.')",
            isCheck: true,
        },
        {
            content: "... and Add credits instead of the IAP shop",
            trigger: ".o_setting_box:has(.o_crm_iap_mine_balance) button:contains('Add credits')",
            extra_trigger: ".o_setting_box:has(.o_crm_iap_mine_balance):not(:has(button.buy_credits:visible))",
            isCheck: true,
        },
        {
            content: "Save the settings",
            trigger: ".o_control_panel .o_form_button_save",
            run() {
                // Saving reloads the page: mark this one to see the reload happen.
                document.body.dataset.beforeSave = "1";
                this.$anchor[0].click();
            },
        },
        {
            content: "The settings are saved and reloaded, the directory kept",
            trigger: "body:not([data-before-save]) .o_setting_box:has(.o_crm_iap_mine_balance) button:contains('Add credits')",
            extra_trigger: ".o_settings_container",
            isCheck: true,
        },
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        {
            content: "Both providers are offered, the directory chosen",
            trigger: ".o_field_widget[name=provider] input[data-value=directory]:checked",
            extra_trigger: ".modal .o_field_widget[name=provider] input[data-value=iap]",
            isCheck: true,
        },
        checkCost("Balance: 70 credits."),
        {
            content: "The directory offers companies and their contacts",
            trigger: ".o_field_widget[name=search_type] input[data-value=people]",
            extra_trigger: ".modal:not(:has(.o_crm_iap_mine_no_contacts))",
            isCheck: true,
        },
        {
            content: "Remove the proposed country",
            trigger: ".o_field_widget[name=country_ids] .o_tag:contains('United States') .o_delete",
            run: "click",
        },
        ...pickRecord("country_ids", "Spain", "Spain", { tag: true }),
        {
            content: "The directory filters on the states of any country",
            trigger: ".o_field_widget[name=state_ids]",
            isCheck: true,
        },
        ...chooseRadio("provider", "iap"),
        {
            content: "Odoo IAP has no state data for Spain: no state filter",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=state_ids]))",
            isCheck: true,
        },
        checkCost("Balance: 1,000 credits."),
        {
            content: "Odoo IAP (Dun & Bradstreet) does not offer contacts, and says where they come from",
            trigger: ".o_crm_iap_mine_no_contacts:contains('company directory')",
            run() {
                const options = document.querySelectorAll(".modal .o_field_widget[name=search_type] input");
                assert(options.length === 0, `${options.length} target options offered for Odoo IAP`);
            },
        },
        {
            content: "Close the dialog",
            trigger: ".modal-footer button[special=cancel]",
            run: "click",
        },
        dialogClosed(),
    ],
});
