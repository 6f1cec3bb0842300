/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { graphView } from "@web/views/graph/graph_view";
import { listView } from "@web/views/list/list_view";

/**
 * The credit ledger's header: the balance of each provider, so that the
 * ledger answers "how many credits are left?". The balances are asked for
 * once the view is shown, each on its own: the IAP service may be slow or
 * unreachable, and the ledger must not wait for it.
 */
export class CreditLedgerBalances extends Component {
    static template = "crm_iap_mine.CreditLedgerBalances";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.state = useState({ balances: [] });
        onWillStart(async () => {
            const providers = await this.orm.call("crm.iap.lead.credit.line", "get_balance_providers", []);
            this.state.balances = providers.map(([code, label]) => ({ code, label, text: "…" }));
            for (const balance of this.state.balances) {
                this.orm.silent
                    .call("crm.iap.lead.mining.request", "get_credit_balance_text", [balance.code])
                    .then((text) => (balance.text = text));
            }
        });
    }
}

// The list and the graph of the ledger carry banner_route, which turns on the
// banner slot of Odoo's layout (pivot views have none); this component fills
// it from the ORM instead of a route.
for (const [type, view] of [["list", listView], ["graph", graphView]]) {
    registry.category("views").add(`crm_iap_mine_credit_ledger_${type}`, {
        ...view,
        Banner: CreditLedgerBalances,
    });
}
