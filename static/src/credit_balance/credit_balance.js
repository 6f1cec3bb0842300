/** @odoo-module **/

import { Component, onMounted, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The credit balance of a lead-mining provider, asked for once the form is
 * shown: the IAP service may be slow or unreachable, and the dialog and the
 * settings must not wait for it. Reloaded when the provider changes.
 */
export class LeadMiningCreditBalance extends Component {
    static template = "crm_iap_mine.LeadMiningCreditBalance";
    static props = { ...standardWidgetProps, providerField: String };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ text: "" });
        onMounted(() => this.load(this.props));
        onWillUpdateProps((nextProps) => this.load(nextProps));
    }

    async load(props) {
        const provider = props.record.data[props.providerField];
        const company = props.record.data.company_id;
        const key = `${provider}/${company && company[0]}`;
        if (key === this.loadedKey) {
            return;
        }
        this.loadedKey = key;
        const text = await this.orm.silent.call(
            "crm.iap.lead.mining.request",
            "get_credit_balance_text",
            [provider || false, (company && company[0]) || false]
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
