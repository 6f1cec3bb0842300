/** @odoo-module **/

import { registry } from "@web/core/registry";
import {
    acknowledgeNotice,
    assert,
    checkCost,
    checkRecordCount,
    dialogClosed,
    openGenerateLeadsDialog,
    openPipeline,
    pickRecord,
    setField,
    submitDialog,
    viewCreatedLeads,
    visible,
} from "./lead_mining_tour_utils";

/**
 * A sales manager mines 4 companies from the pipeline with Odoo IAP on its
 * default Dun & Bradstreet protocol (companies only; their first request:
 * they tick the data-protection box, shown from the start), is told how many
 * opportunities were created, opens them from the notification and reads the
 * enrichment note of one.
 * Python (TestLeadMiningTours) prepares: company country United States,
 * tag "Tour Mined", service balance 1000; and checks the records afterwards.
 */
registry.category("web_tour.tours").add("crm_iap_mine_pipeline", {
    test: true,
    url: "/web",
    steps: () => [
        ...openPipeline(),
        ...openGenerateLeadsDialog(),
        {
            content: "Opportunities by default (leads are not enabled for this user)",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=lead_type] input))",
            isCheck: true,
        },
        checkCost("Up to 3 credits: 1 per company found.", "Balance: 1,000 credits."),
        setField("lead_number", 4),
        checkCost("Up to 4 credits: 1 per company found."),
        {
            content: "Odoo IAP (Dun & Bradstreet) finds companies only: no Contacts option, a hint instead",
            trigger: ".o_crm_iap_mine_no_contacts:contains('company directory')",
            run() {
                const options = document.querySelectorAll(".modal .o_field_widget[name=search_type] input");
                assert(options.length === 0, `${options.length} target options offered for Odoo IAP`);
            },
        },
        // Countries: the company's country comes first, with its states.
        {
            content: "The company's country is proposed",
            trigger: ".o_field_widget[name=country_ids] .o_tag:contains('United States')",
            extra_trigger: ".modal .o_field_widget[name=state_ids]",
            isCheck: true,
        },
        {
            content: "Remove United States",
            trigger: ".o_field_widget[name=country_ids] .o_tag:contains('United States') .o_delete",
            run: "click",
        },
        {
            content: "No state filter for countries the service has no states for",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=state_ids]))",
            extra_trigger: ".modal .o_field_widget[name=country_ids]:not(:has(.o_tag))",
            isCheck: true,
        },
        ...pickRecord("country_ids", "Spai", "Spain", { tag: true }),
        ...pickRecord("country_ids", "Ital", "Italy", { tag: true }),
        ...pickRecord("industry_ids", "Software", "Software & Services", { tag: true }),
        {
            content: "Tick Filter on Size",
            trigger: ".o_field_widget[name=filter_on_size] input[type=checkbox]",
            run: "click",
        },
        setField("company_size_min", 10),
        setField("company_size_max", 500),
        ...pickRecord("tag_ids", "Tour Mi", "Tour Mined", { tag: true }),
        checkCost("Up to 4 credits: 1 per company found.", "Balance: 1,000 credits."),
        {
            content: "Every choice is still shown before submitting",
            trigger: ".o_field_widget[name=company_size_max] input",
            run() {
                const value = (name) => visible(`.o_field_widget[name=${name}] input`)[0]?.value;
                assert(value("lead_number") === "4", `lead_number is ${value("lead_number")}`);
                assert(value("company_size_min") === "10", `size min is ${value("company_size_min")}`);
                assert(value("company_size_max") === "500", `size max is ${value("company_size_max")}`);
                const countries = visible(".o_field_widget[name=country_ids] .o_tag").map((el) => el.innerText.trim());
                assert(countries.join(",") === "Spain,Italy", `countries are ${countries}`);
            },
        },
        ...acknowledgeNotice(),
        submitDialog(),
        dialogClosed(),
        ...viewCreatedLeads("4 opportunities created."),
        {
            content: "Landed on the new opportunities",
            trigger: ".o_last_breadcrumb_item:contains('Opportunities')",
            extra_trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
            isCheck: true,
        },
        checkRecordCount(".o_kanban_view", ".o_kanban_record:not(.o_kanban_ghost)", 4),
        {
            content: "The new opportunities carry the tag",
            trigger: ".o_kanban_record:not(.o_kanban_ghost):first .o_tag:contains('Tour Mined')",
            isCheck: true,
        },
        {
            content: "Open one of them",
            trigger: ".o_kanban_record:not(.o_kanban_ghost):first",
            run: "click",
        },
        {
            content: "The chatter shows the enrichment note with what D&B gives",
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains('Created by Lead Generation (request LMR') .o_crm_iap_mine_company_facts:contains('Tax ID')",
            extra_trigger: ".o_form_view .o_form_sheet",
            isCheck: true,
        },
        {
            content: "Open Extra Information",
            trigger: ".o_notebook .nav-link:contains('Extra Information')",
            run: "click",
        },
        {
            content: "The lead names the request that found it",
            trigger: ".o_field_widget[name=lead_mining_request_id]:contains('LMR')",
            isCheck: true,
        },
    ],
});
