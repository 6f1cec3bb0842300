/** @odoo-module **/

import { Component, useEffect, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { formatInteger } from "@web/views/fields/formatters";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const BALANCE_CHANGED = "crm_iap_mine:balance_changed";

/**
 * The top-up form in a dialog of its own, with "Add credits" and "Cancel":
 * its buttons save and close this dialog only (a button of the view's arch
 * would close the Generate Leads dialog below, as every action does).
 */
class AddCreditsDialog extends FormViewDialog {
    setup() {
        super.setup();
        this.viewProps.buttonTemplate = "crm_iap_mine.AddCreditsDialog.buttons";
    }
}

/**
 * Add credits to the company directory's ledger on top of the Generate
 * Leads dialog: the request keeps everything the user typed, and the
 * balance is asked again afterwards. A user who may not add credits is
 * told whom to ask.
 */
function useAddCredits() {
    const dialog = useService("dialog");
    const orm = useService("orm");
    const notification = useService("notification");
    return { dialog, orm, notification };
}

export function openAddCredits(services, env, record) {
    const { data } = record;
    if (!data.can_add_credits) {
        services.notification.add(data.add_credits_contact, { type: "warning" });
        return;
    }
    services.dialog.add(AddCreditsDialog, {
        resModel: "crm.iap.lead.credit.topup",
        title: _t("Add credits"),
        context: {
            default_company_id: data.company_id && data.company_id[0],
            default_provider: data.provider,
            form_view_ref: "crm_iap_mine.crm_iap_lead_credit_topup_view_form_dialog",
        },
        onRecordSaved: async (topup) => {
            await services.orm.call("crm.iap.lead.credit.topup", "action_confirm", [[topup.resId]]);
            if (data.error_type === "credits") {
                // The error was the missing credits: the request is ready to retry.
                await record.update({ error_type: false, error_message: false });
            }
            env.bus.trigger(BALANCE_CHANGED);
        },
    });
}

/**
 * The dialog's cost line: what the request may cost and the balance, asked
 * for once the dialog is shown (a slow service never holds it). It turns
 * into a warning, with the way to add credits, as soon as the estimate
 * exceeds a known balance.
 */
export class LeadMiningCostLine extends Component {
    static template = "crm_iap_mine.LeadMiningCostLine";
    static props = { ...standardWidgetProps };

    setup() {
        this.services = useAddCredits();
        this.state = useState({ text: "", balance: null, version: 0 });
        useBus(this.env.bus, BALANCE_CHANGED, () => this.state.version++);
        useEffect(
            (provider, companyId) => {
                this.load(provider, companyId);
            },
            () => [this.props.record.data.provider, this.companyId, this.state.version]
        );
    }

    get companyId() {
        const company = this.props.record.data.company_id;
        return (company && company[0]) || false;
    }

    get data() {
        return this.props.record.data;
    }

    get shortfall() {
        const balance = this.state.balance;
        return typeof balance === "number" && this.data.estimated_credits > balance;
    }

    get shortfallText() {
        return _t("Not enough credits: this request may need %(needed)s and %(left)s are left.", {
            needed: formatInteger(this.data.estimated_credits),
            left: formatInteger(Math.max(this.state.balance, 0)),
        });
    }

    get canTopUp() {
        // The directory's credits are recorded in Odoo; Odoo IAP sells its own.
        return this.data.provider === "directory";
    }

    async load(provider, companyId) {
        const key = `${provider}/${companyId}/${this.state.version}`;
        this.loadedKey = key;
        const { text, balance } = await this.services.orm.silent.call(
            "crm.iap.lead.mining.request",
            "get_credit_balance",
            [provider || false, companyId]
        );
        if (key === this.loadedKey) {
            Object.assign(this.state, { text, balance });
        }
    }

    addCredits() {
        openAddCredits(this.services, this.env, this.props.record);
    }
}

registry.category("view_widgets").add("crm_iap_mine_cost_line", {
    component: LeadMiningCostLine,
});

/** "Add credits" in the error banner of a request the directory's balance could not cover. */
export class LeadMiningAddCredits extends Component {
    static template = "crm_iap_mine.LeadMiningAddCredits";
    static props = { ...standardWidgetProps };

    setup() {
        this.services = useAddCredits();
    }

    addCredits() {
        openAddCredits(this.services, this.env, this.props.record);
    }
}

registry.category("view_widgets").add("crm_iap_mine_add_credits", {
    component: LeadMiningAddCredits,
});

/**
 * Marks the number of leads invalid (Odoo's own red field), next to its
 * limits, as soon as it is out of them (0, 50,000...). The record's own
 * invalid flag is not used: it would keep what the user types next from
 * being shown; the server refuses the number on submit anyway.
 */
export class LeadMiningLeadNumberCheck extends Component {
    static template = "crm_iap_mine.LeadMiningLeadNumberCheck";
    static props = { ...standardWidgetProps };

    setup() {
        this.anchor = useRef("anchor");
        useEffect(
            (valid) => {
                const field = this.anchor.el
                    ?.closest(".o_form_view")
                    ?.querySelector(".o_field_widget[name=lead_number]");
                field?.classList.toggle("o_field_invalid", !valid);
            },
            () => [this.props.record.data.lead_number_valid, this.props.record.data.lead_number]
        );
    }
}

registry.category("view_widgets").add("crm_iap_mine_lead_number_check", {
    component: LeadMiningLeadNumberCheck,
});
