/** @odoo-module **/

import { Component, useEffect, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * Next to the provider: says, before anything is submitted, that the
 * provider's service could not be reached when its balance was asked for,
 * and offers another provider in one click.
 */
export class LeadMiningProviderStatus extends Component {
    static template = "crm_iap_mine.LeadMiningProviderStatus";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ warning: false });
        useEffect(
            (provider, companyId) => {
                this.load(provider, companyId);
            },
            () => [this.props.record.data.provider, this.companyId]
        );
    }

    get companyId() {
        const company = this.props.record.data.company_id;
        return (company && company[0]) || false;
    }

    get shown() {
        const { state, error_type } = this.props.record.data;
        // An "unreachable" error banner already offers the switch.
        return ["draft", "error"].includes(state) && !["unreachable", "timeout"].includes(error_type);
    }

    async load(provider, companyId) {
        const key = `${provider}/${companyId}`;
        this.loadedKey = key;
        this.state.warning = false;
        const warning = await this.orm.silent.call(
            "crm.iap.lead.mining.request",
            "get_provider_warning",
            [provider || false, companyId]
        );
        if (key === this.loadedKey) {
            this.state.warning = warning;
        }
    }

    switchProvider() {
        this.props.record.update({ provider: this.state.warning.alternative });
    }
}

registry.category("view_widgets").add("crm_iap_mine_provider_status", {
    component: LeadMiningProviderStatus,
});

/**
 * While the dialog's request is being mined, say what is being done
 * (the record's `waiting_message`) instead of leaving the user with a
 * spinner: calling a remote service may take a while.
 */
export class LeadMiningWaiting extends Component {
    static template = "crm_iap_mine.LeadMiningWaiting";
    static props = { ...standardWidgetProps };

    setup() {
        this.state = useState({ waiting: false });
        this.calls = new Set();
        useBus(this.env.bus, "RPC:REQUEST", ({ detail }) => {
            if (this.isSubmit(detail.data)) {
                this.calls.add(detail.data.id);
                this.state.waiting = true;
            }
        });
        useBus(this.env.bus, "RPC:RESPONSE", ({ detail }) => {
            if (this.calls.delete(detail.data.id) && !this.calls.size) {
                this.state.waiting = false;
            }
        });
    }

    isSubmit(data) {
        const params = data?.params || {};
        return (
            params.model === "crm.iap.lead.mining.request" &&
            params.method === "action_submit" &&
            (params.args?.[0] || []).includes(this.props.record.resId)
        );
    }
}

registry.category("view_widgets").add("crm_iap_mine_waiting", {
    component: LeadMiningWaiting,
});

/**
 * In the error banner of a request whose service could not be reached:
 * switch to the other provider in place (the banner, now stale, goes away).
 */
export class LeadMiningSwitchProvider extends Component {
    static template = "crm_iap_mine.LeadMiningSwitchProvider";
    static props = { ...standardWidgetProps };

    get alternative() {
        const { data, fields } = this.props.record;
        if (!["unreachable", "timeout"].includes(data.error_type) || !data.alternative_provider) {
            return false;
        }
        const labels = Object.fromEntries(fields.alternative_provider.selection);
        const label = labels[data.alternative_provider];
        return { code: data.alternative_provider, button: _t("Use %s instead", label) };
    }

    switchProvider() {
        this.props.record.update({ provider: this.alternative.code });
    }
}

registry.category("view_widgets").add("crm_iap_mine_switch_provider", {
    component: LeadMiningSwitchProvider,
});
