/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * Settings > tick CRM's "Multi Teams" > Save, as on a fresh database: Lead
 * Mining is installed but nobody opened its settings. Saving must go
 * through (the page reloads clean), whatever Lead Mining requires.
 */
registry.category("web_tour.tours").add("crm_iap_mine_settings_save", {
    test: true,
    url: "/web",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Settings app",
            trigger: ".o_app[data-menu-xmlid='base.menu_administration']",
            run: "click",
        },
        {
            content: "Go to the CRM settings",
            trigger: ".settings_tab .tab[data-key='crm']",
            extra_trigger: ".o-settings-form-view",
            run: "click",
        },
        {
            content: "Tick Multi Teams, a setting that is not Lead Mining's",
            trigger: ".o_field_widget[name=is_membership_multi] input:not(:checked)",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o-settings-form-view .o_dirty_warning",
            run() {
                // Saving settings reloads the page, which drops this mark.
                document.body.classList.add("o_crm_iap_mine_before_save");
                document.querySelector(".o_control_panel .o_form_button_save").click();
            },
        },
        {
            content: "The page reloaded: the settings were saved. Back to the CRM settings",
            trigger: "body:not(.o_crm_iap_mine_before_save) .o-settings-form-view .settings_tab .tab[data-key='crm']",
            run: "click",
        },
        {
            content: "Multi Teams is ticked, nothing left unsaved",
            trigger: ".o-settings-form-view:not(:has(.o_dirty_warning)) .o_field_widget[name=is_membership_multi] input:checked",
            isCheck: true,
        },
    ],
});
