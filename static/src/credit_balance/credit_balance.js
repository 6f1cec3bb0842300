/** @odoo-module **/

import { Component, useEffect, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The credit balance of a lead-mining provider, asked for once the form is
 * shown: the IAP service may be slow or unreachable, and the dialog and the
 * settings must not wait for it. Asked again when the provider changes.
 */
export class LeadMiningCreditBalance extends Component {
    static template = "crm_iap_mine.LeadMiningCreditBalance";
    static props = { ...standardWidgetProps, providerField: String };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ text: "" });
        useEffect(
            (provider, companyId) => {
                this.load(provider, companyId);
            },
            () => [this.provider, this.companyId]
        );
    }

    // Read while rendering: the widget renders again when they change.
    get provider() {
        return this.props.record.data[this.props.providerField] || false;
    }

    get companyId() {
        const company = this.props.record.data.company_id;
        return (company && company[0]) || false;
    }

    async load(provider, companyId) {
        const key = `${provider}/${companyId}`;
        this.loadedKey = key;
        const text = await this.orm.silent.call(
            "crm.iap.lead.mining.request",
            "get_credit_balance_text",
            [provider, companyId]
        );
        if (key === this.loadedKey) {
            this.state.text = text;
        }
    }
}

registry.category("view_widgets").add("crm_iap_mine_credit_balance", {
    component: LeadMiningCreditBalance,
    extractProps: ({ attrs }) => ({ providerField: attrs.provider_field || "provider" }),
});
