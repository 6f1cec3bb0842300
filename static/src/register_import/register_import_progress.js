/** @odoo-module **/

import { registry } from "@web/core/registry";
import { progressBarField, ProgressBarField } from "@web/views/fields/progress_bar/progress_bar_field";

import { onWillDestroy } from "@odoo/owl";

// How often the form of a running import reloads its live counts.
const REFRESH_MS = 2000;

/**
 * The progress bar of a register import: while the import is queued or
 * running in the background, the record is reloaded every two seconds, so
 * the bar and the counts next to it move as the worker writes them.
 */
export class RegisterImportProgressField extends ProgressBarField {
    setup() {
        super.setup();
        const interval = setInterval(() => {
            const record = this.props.record;
            if (["queued", "running"].includes(record.data.state) && !record.dirty) {
                record.load();
            }
        }, REFRESH_MS);
        onWillDestroy(() => clearInterval(interval));
    }
}

registry.category("fields").add("register_import_progress", {
    ...progressBarField,
    component: RegisterImportProgressField,
});
