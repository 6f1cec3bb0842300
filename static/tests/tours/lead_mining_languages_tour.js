/** @odoo-module **/

import { registry } from "@web/core/registry";
import { session } from "@web/session";
import {
    assert,
    dialogClosed,
    openCrmApp,
    setField,
    viewCreatedLeads,
    visible,
} from "./lead_mining_tour_utils";

/**
 * The Generate Leads dialog in the user's language, from the pipeline to the
 * notification: every step waits for a translated text (from i18n/fr.po and
 * i18n/ar.po), never for the English one. Arabic is written right to left.
 * Python (TestLeadMiningTours.test_generate_leads_in_french_and_arabic) sets
 * the user's language, loads the translations and checks the request.
 */
const TEXTS = {
    fr_FR: {
        generate: "Générer des pistes",
        howMany: "Combien de pistes souhaitez-vous",
        created: "2 opportunités créées.",
        view: "Voir",
    },
    ar_001: {
        generate: "إنشاء عملاء مهتمين",
        howMany: "كم عدد العملاء المهتمين",
        created: "تم إنشاء 2 من الفرص.",
        view: "عرض",
    },
};

registry.category("web_tour.tours").add("crm_iap_mine_languages", {
    test: true,
    url: "/web",
    steps: () => {
        const lang = session.user_context.lang;
        const texts = TEXTS[lang];
        assert(texts, `no texts for the language ${lang}`);
        const rtl = lang.startsWith("ar");
        return [
            ...openCrmApp(),
            {
                content: `The pipeline's button reads "${texts.generate}"`,
                trigger: `.o_control_panel button.o_button_generate_leads:contains('${texts.generate}')`,
                extra_trigger: ".o_kanban_view.o_opportunity_kanban .o_kanban_renderer",
                run: "click",
            },
            {
                content: "The dialog's title and question are translated",
                trigger: `.modal-title:contains('${texts.generate}')`,
                extra_trigger: `.modal .o_form_view h3:contains('${texts.howMany}')`,
                run() {
                    assert(!visible("h3").some((el) => el.innerText.includes("How many leads")),
                        "the English question is left in the dialog");
                    assert(document.body.classList.contains("o_rtl") === rtl,
                        `the page is ${rtl ? "not " : ""}written right to left`);
                },
            },
            setField("lead_number", 2),
            {
                content: `Submit with "${texts.generate}"`,
                trigger: `.modal-footer button[name=action_submit]:contains('${texts.generate}')`,
                run: "click",
            },
            dialogClosed(),
            ...viewCreatedLeads(texts.created, texts.view),
            {
                content: "Landed on the 2 new opportunities",
                trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost):eq(1)",
                isCheck: true,
            },
        ];
    },
});
