# Run by scripts/compat/compat.sh through `odoo shell` (stdin) on a database where
# Odoo's STOCK crm_iap_mine is installed: records what an upgrade to this
# addon must keep, and writes their ids to the JSON file $COMPAT_STATE.
#
# `env` is given by `odoo shell`; nothing here imports this addon.
# pylint: disable=undefined-variable,print-used
import json
import os

module = env["ir.module.module"].search([("name", "=", "crm_iap_mine")])
assert module.state == "installed", module.state
assert module.latest_version.startswith("17.0.1."), (
    f"expected the stock crm_iap_mine (17.0.1.x), found {module.latest_version}"
)

Request = env["crm.iap.lead.mining.request"]
main_company = env.ref("base.main_company")
branch = env["res.company"].create({"name": "Compat Branch", "country_id": env.ref("base.be").id})
manager_group = env.ref("sales_team.group_sale_manager")
branch_user = env["res.users"].create({
    "name": "Compat Branch Manager",
    "login": "compat_branch_manager",
    "email": "branch.manager@example.com",
    "company_id": branch.id,
    "company_ids": [(6, 0, [branch.id, main_company.id])],
    "groups_id": [(4, manager_group.id)],
})
branch_team = env["crm.team"].create({
    "name": "Compat Branch Team", "company_id": branch.id, "use_leads": True,
    "user_id": branch_user.id,
})
admin = env.ref("base.user_admin")
main_team = env.ref("sales_team.team_sales_department")
tag = env["crm.tag"].create({"name": "Compat Mined"})
custom_industry = env["crm.iap.lead.industry"].create({"name": "Compat Custom Industry", "reveal_ids": "999"})
industries = env.ref("crm_iap_mine.crm_iap_mine_industry_33") + env.ref("crm_iap_mine.crm_iap_mine_industry_148")
roles = env.ref("crm_iap_mine.crm_iap_mine_role_11") + env.ref("crm_iap_mine.crm_iap_mine_role_19")
seniority = env.ref("crm_iap_mine.crm_iap_mine_seniority_2")
sequence = env.ref("crm_iap_mine.ir_sequence_crm_iap_mine")


def make_request(user, vals, lead_names):
    """A request as the stock flow leaves it, created by `user`."""
    request = Request.with_user(user).with_company(user.company_id).create(vals)
    request.name = env["ir.sequence"].next_by_code("crm.iap.lead.mining.request")
    leads = env["crm.lead"].create([{
        "name": name,
        "type": request.lead_type,
        "team_id": request.team_id.id,
        "user_id": request.user_id.id,
        "tag_ids": [(6, 0, request.tag_ids.ids)],
        "reveal_id": f"compat-{name}",
        "lead_mining_request_id": request.id,
    } for name in lead_names])
    return request, leads


people, people_leads = make_request(admin, {
    "lead_number": 2, "search_type": "people", "lead_type": "lead",
    "user_id": admin.id, "team_id": main_team.id, "tag_ids": [(6, 0, tag.ids)],
    "country_ids": [(6, 0, [env.ref("base.us").id])],
    "state_ids": [(6, 0, [env.ref("base.state_us_5").id])],
    "industry_ids": [(6, 0, (industries + custom_industry).ids)],
    # contact_number left at the stock default (10): this addon accepts 1 to 5.
    "contact_filter_type": "role",
    "preferred_role_id": roles[0].id, "role_ids": [(6, 0, roles[1].ids)],
    "seniority_id": seniority.id,
    "filter_on_size": True, "company_size_min": 10, "company_size_max": 500,
}, ["Compat Lead One", "Compat Lead Two"])
people.state = "done"

branch_request, branch_leads = make_request(branch_user, {
    "lead_number": 1, "search_type": "companies", "lead_type": "opportunity",
    "user_id": branch_user.id, "team_id": branch_team.id,
    "country_ids": [(6, 0, [env.ref("base.be").id])],
    "industry_ids": [(6, 0, industries[:1].ids)],
}, ["Compat Branch Opportunity"])
branch_request.state = "done"

# A request of the branch user without a team: its company comes from its creator.
no_team, _no_leads = make_request(branch_user, {
    "lead_number": 5, "search_type": "companies", "lead_type": "opportunity",
    "user_id": False, "team_id": False,
}, [])
no_team.write({"state": "error", "error_type": "credits"})

# A lead of no request must stay unlinked.
lonely = env["crm.lead"].create({"name": "Compat Unrelated Lead", "type": "lead"})

state = {
    "requests": {
        str(request.id): {
            "name": request.name,
            "state": request.state,
            "error_type": request.error_type or False,
            "lead_ids": sorted(leads.ids),
            "industry_ids": sorted(request.industry_ids.ids),
            "role_ids": sorted(request.role_ids.ids),
            "preferred_role_id": request.preferred_role_id.id,
            "seniority_id": request.seniority_id.id,
            "team_id": request.team_id.id,
            "user_id": request.user_id.id,
            "company_id": company.id,
        }
        for request, leads, company in (
            (people, people_leads, main_company),
            (branch_request, branch_leads, branch),
            (no_team, env["crm.lead"], branch),
        )
    },
    "lonely_lead_id": lonely.id,
    "industries": {
        data.complete_name: data.res_id
        for data in env["ir.model.data"].search([
            ("module", "=", "crm_iap_mine"),
            ("model", "in", ["crm.iap.lead.industry", "crm.iap.lead.role", "crm.iap.lead.seniority"]),
        ])
    },
    "custom_industry_id": custom_industry.id,
    "sequence_id": sequence.id,
    "sequence_next": sequence.number_next_actual,
    "no_credits_template_id": env.ref("crm_iap_mine.lead_generation_no_credits").id,
}
env.cr.commit()
with open(os.environ["COMPAT_STATE"], "w", encoding="utf-8") as state_file:
    json.dump(state, state_file, indent=1, sort_keys=True)
print(f"stock database ready: {len(state['requests'])} requests, "
      f"{sum(len(r['lead_ids']) for r in state['requests'].values())} linked leads, "
      f"{len(state['industries'])} industry/role/seniority records")
