/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * Tell the user how many leads a request created, with a button opening
 * exactly those leads. Odoo's own display_notification has no buttons.
 */
function notifyLeadsCreated(env, { title, message, button, action, type = "success", sticky = false }) {
    const buttons = action
        ? [{ name: button, primary: true, onClick: () => env.services.action.doAction(action) }]
        : [];
    env.services.notification.add(message, { title, type, sticky, buttons });
}

/** Client action returned by a request finishing while the user waits. */
function leadsCreatedAction(env, action) {
    const params = action.params || {};
    notifyLeadsCreated(env, params);
    return params.next;
}

registry.category("actions").add("crm_iap_mine_leads_created", leadsCreatedAction);

/**
 * Background requests end while the user works elsewhere: the server sends
 * the same notification over the bus, and the leads list or pipeline on
 * screen is reloaded so the new leads appear.
 */
export const leadMiningBusService = {
    dependencies: ["bus_service", "notification", "action"],
    start(env, { bus_service, action }) {
        bus_service.subscribe("crm_iap_mine/request_ended", (params) => {
            notifyLeadsCreated(env, { ...params, sticky: true });
            const controller = action.currentController;
            const onLeads = controller?.props?.resModel === "crm.lead";
            if (params.action && onLeads && ["kanban", "list"].includes(controller.view?.type)) {
                action.doAction("soft_reload");
            }
        });
        bus_service.start();
    },
};

registry.category("services").add("crm_iap_mine_lead_mining_bus", leadMiningBusService);
