/** @odoo-module **/

import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * Shared steps of the lead mining tours. Every step waits for what the user
 * sees (a visible element, a text), so a renamed button, a field missing
 * from a view or a broken xpath makes the tour time out on that step.
 */

export function assert(condition, message) {
    if (!condition) {
        throw new Error(`crm_iap_mine tour: ${message}`);
    }
}

/** Visible elements matching `selector` (inside the open dialog if any). */
export function visible(selector) {
    const modals = [...document.querySelectorAll(".modal")].filter((el) => el.offsetParent);
    const root = modals.length ? modals[modals.length - 1] : document;
    return [...root.querySelectorAll(selector)].filter(
        (el) => el.offsetWidth || el.offsetHeight || el.getClientRects().length
    );
}

/** Home menu > CRM. */
export function openCrmApp() {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM app",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
    ];
}

/** CRM > `section` > `item`, by their xmlids, as the user clicks them. */
export function openCrmMenu(sectionXmlid, itemXmlid) {
    return [
        ...openCrmApp(),
        {
            content: `Open the ${sectionXmlid} menu`,
            trigger: `.o_main_navbar [data-menu-xmlid='${sectionXmlid}']`,
            run: "click",
        },
        {
            content: `Click ${itemXmlid}`,
            trigger: `.o_main_navbar .dropdown-item[data-menu-xmlid='${itemXmlid}']`,
            run() {
                // The view on screen may be the same as the one the menu
                // opens (the CRM app starts on the pipeline): mark it, so
                // that the next steps wait for the new one.
                document.querySelector(".o_action_manager .o_action")?.classList.add("o_tour_replaced");
                this.$anchor[0].click();
            },
        },
    ];
}

/** CRM > Sales > My Pipeline, loaded. */
export function openPipeline() {
    return [
        ...openCrmMenu("crm.crm_menu_sales", "crm.menu_crm_opportunities"),
        {
            content: "The pipeline is loaded",
            trigger: ".o_last_breadcrumb_item:contains('Pipeline')",
            extra_trigger: ".o_kanban_view.o_opportunity_kanban:not(.o_tour_replaced) .o_kanban_renderer",
            isCheck: true,
        },
    ];
}

/** Click "Generate Leads" in the control panel and wait for the dialog. */
export function openGenerateLeadsDialog() {
    return [
        {
            content: "Click Generate Leads in the control panel",
            trigger: ".o_control_panel button.o_button_generate_leads:contains('Generate Leads')",
            run: "click",
        },
        {
            content: "The Generate Leads dialog opens on a new request",
            trigger: ".modal-title:contains('Generate Leads')",
            extra_trigger: ".modal .o_form_view .o_field_widget[name=lead_number] input",
            isCheck: true,
        },
    ];
}

/** The cost line next to the submit button contains every text of `texts`. */
export function checkCost(...texts) {
    const contains = texts.map((text) => `:contains('${text}')`).join("");
    return {
        content: `The cost line says ${texts.join(" / ")}`,
        trigger: `.modal-footer .o_crm_iap_mine_cost${contains}`,
        isCheck: true,
    };
}

/** Type `value` in the input of field `name` (in the dialog if open). */
export function setField(name, value) {
    return {
        content: `Set ${name} to ${value}`,
        trigger: `.o_field_widget[name=${name}] input`,
        run: `text ${value}`,
    };
}

/** Choose `value` in radio field `name`. */
export function chooseRadio(name, value) {
    return [
        {
            content: `Choose ${value} for ${name}`,
            trigger: `.o_field_widget[name=${name}] input[data-value=${value}]`,
            run: "click",
        },
        {
            content: `${name} is ${value}`,
            trigger: `.o_field_widget[name=${name}] input[data-value=${value}]:checked`,
            isCheck: true,
        },
    ];
}

/**
 * Type `search` in relational field `name` and pick the suggestion `label`;
 * for many2many tags, wait for the tag.
 */
export function pickRecord(name, search, label, { tag = false } = {}) {
    const steps = [
        {
            content: `Search ${search} in ${name}`,
            trigger: `.o_field_widget[name=${name}] input`,
            run: `text ${search}`,
        },
        {
            content: `Pick ${label}`,
            trigger: `.o_field_widget[name=${name}] .o-autocomplete--dropdown-item a:contains('${label}')`,
            run: "click",
        },
    ];
    if (tag) {
        steps.push({
            content: `${label} is a tag of ${name}`,
            trigger: `.o_field_widget[name=${name}] .o_tag:contains('${label}')`,
            isCheck: true,
        });
    } else {
        steps.push({
            content: `${name} is ${label}`,
            trigger: `.o_field_widget[name=${name}] input`,
            async run() {
                // The choice is shown once the form's onchange has answered.
                for (let wait = 0; wait < 50 && this.$anchor.val() !== label; wait++) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                assert(this.$anchor.val() === label, `${name} shows "${this.$anchor.val()}", not "${label}"`);
            },
        });
    }
    return steps;
}

/** Click "Generate Leads" in the dialog footer. */
export function submitDialog() {
    return {
        content: "Click Generate Leads in the dialog footer",
        trigger: ".modal-footer button[name=action_submit]:contains('Generate Leads')",
        run: "click",
    };
}

/** No dialog is open any more. */
export function dialogClosed() {
    return {
        content: "The dialog is closed",
        trigger: "body:not(:has(.modal))",
        in_modal: false,
        isCheck: true,
    };
}

/** Exactly `count` records in the current kanban or list view. */
export function checkRecordCount(viewSelector, recordSelector, count) {
    return {
        content: `${count} records are shown`,
        trigger: `${viewSelector} ${recordSelector}`,
        run() {
            const records = visible(`${viewSelector} ${recordSelector}`);
            assert(records.length === count, `${records.length} records shown, expected ${count}`);
        },
    };
}

/** The notification saying what a request created; click its View button. */
export function viewCreatedLeads(message, view = "View") {
    return [
        {
            content: `A notification says "${message}"`,
            trigger: `.o_notification:contains('${message}') .o_notification_buttons button:contains('${view}')`,
            in_modal: false,
            run: "click",
        },
    ];
}

/** Tick the data-protection acknowledgement, shown on a user's first request. */
export function acknowledgeNotice() {
    return [
        {
            content: "First use: the acknowledgement box is shown next to the notice, unticked",
            trigger: ".o_crm_iap_mine_gdpr .o_field_widget[name=gdpr_acknowledged] input[type=checkbox]:not(:checked)",
            run: "click",
        },
        {
            content: "The box is ticked",
            trigger: ".o_field_widget[name=gdpr_acknowledged] input[type=checkbox]:checked",
            isCheck: true,
        },
    ];
}
