from odoo import _, api, models
from odoo.exceptions import AccessError

# The calls `notify_no_more_credit` accepts (service, model, parameter): it is
# public and sets a system parameter, so it sets that one only. The first is
# website_crm_iap_reveal's (crm_reveal_rule.py), the second the same one for
# lead mining requests.
NO_CREDIT_NOTIFICATIONS = {
    ("reveal", "crm.reveal.rule", "reveal.already_notified"),
    ("reveal", "crm.iap.lead.mining.request", "reveal.already_notified"),
}


# What lead creation (`_prepare_lead_values_batch`) and the enrichment note
# read of an item: texts, and lists of texts.
ITEM_TEXT_KEYS = ("name", "legal_name", "domain", "website", "phone", "location", "city", "postal_code",
                  "state_code", "country_code", "reveal_id", "clearbit_id", "company_registry")
ITEM_LIST_KEYS = ("email", "phone_numbers", "tech")
PERSON_TEXT_KEYS = ("full_name", "email", "title")


class CrmIapLeadHelpers(models.AbstractModel):
    """Turns lead-mining answers into crm.lead values.

    `lead_vals_from_response` and `notify_no_more_credit` keep the stock
    signatures: `website_crm_iap_reveal` calls them for visitor leads.
    Our own requests use the batch method, which resolves countries and
    states once for a whole answer.
    """

    _name = "crm.iap.lead.helpers"
    _description = "Lead Mining Helpers"

    @api.model
    def notify_no_more_credit(self, service_name, model_name, notification_parameter):
        """Mail the creators of `model_name` records that the IAP account of
        `service_name` is empty, once: the parameter remembers it was sent.

        Only the calls of NO_CREDIT_NOTIFICATIONS are accepted, and the
        creators are read with the user's rights: whoever calls it over RPC
        can neither set another parameter nor list another model's creators.
        """
        if (service_name, model_name, notification_parameter) not in NO_CREDIT_NOTIFICATIONS \
                or model_name not in self.env:
            raise AccessError(_("This notification cannot be sent from here."))
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(notification_parameter):
            return
        creators = self.env[model_name]._read_group([], ["create_uid"])
        emails = {user.email for (user,) in creators if user.email}
        account = self.env["iap.account"].search([("service_name", "=", service_name)], limit=1)
        template = self.env.ref("crm_iap_mine.lead_generation_no_credits")
        template.send_mail(account.id, force_send=True, email_values={"email_to": ",".join(sorted(emails))})
        params.set_param(notification_parameter, True)

    @api.model
    def _usable_items(self, items):
        """(items a lead can be made of, how many others): an item of a paid
        answer that would break lead creation (a text that is not one, an
        unparsable website) is left out alone, never the whole answer."""
        usable = [item for item in items if self._is_usable_item(item)]
        return usable, len(items) - len(usable)

    def _is_usable_item(self, item):
        company, people = item.get("company_data"), item.get("people_data") or []
        if not isinstance(company, dict) or not isinstance(people, list):
            return False
        texts = [company.get(key) for key in ITEM_TEXT_KEYS]
        texts += [person.get(key) for person in people if isinstance(person, dict) for key in PERSON_TEXT_KEYS]
        if any(value not in (None, False) and not isinstance(value, str) for value in texts):
            return False
        for key in ITEM_LIST_KEYS:
            value = company.get(key)
            if value not in (None, False) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                return False
        domain = company.get("domain")
        website = company.get("website") or (f"https://www.{domain}" if domain else False)
        try:
            if website:
                self.env["res.partner"]._clean_website(website)  # what crm.lead's create does with it
        except ValueError:
            return False
        return True

    @api.model
    def lead_vals_from_response(self, lead_type, team_id, tag_ids, user_id, company_data, people_data):
        """Values of one lead for one `{company_data, people_data}` answer."""
        item = {"company_data": company_data, "people_data": people_data or []}
        return self._prepare_lead_values_batch([item], lead_type, team_id, tag_ids, user_id)[0]

    @api.model
    def _prepare_lead_values_batch(self, items, lead_type, team_id, tag_ids, user_id):
        """Values of one lead per answer item, with two queries in all."""
        companies = [item["company_data"] for item in items]
        countries = self._find_countries({c.get("country_code") for c in companies})
        states = self._find_states({
            (countries.get(_upper(c.get("country_code"))), _upper(c.get("state_code")))
            for c in companies
        })
        vals_list = []
        for item in items:
            company = item["company_data"]
            country_id = countries.get(_upper(company.get("country_code")), False)
            domain = company.get("domain")
            emails = company.get("email") or []
            phones = company.get("phone_numbers") or []
            registry = company.get("company_registry")
            vals = {
                "type": lead_type,
                "team_id": team_id,
                "user_id": user_id,
                "tag_ids": [(6, 0, tag_ids)],
                # D&B items carry their DUNS as `reveal_id`, Clearbit ones a `clearbit_id`.
                "reveal_id": company.get("reveal_id") or company.get("clearbit_id"),
                "name": company.get("name") or domain,
                "partner_name": company.get("legal_name") or company.get("name"),
                "email_from": emails[0] if emails else "",
                "phone": company.get("phone") or (phones[0] if phones else ""),
                "website": company.get("website") or (f"https://www.{domain}" if domain else False),
                "street": company.get("location"),
                "city": company.get("city"),
                "zip": company.get("postal_code"),
                "country_id": country_id,
                "state_id": states.get((country_id, _upper(company.get("state_code"))), False),
                # A register company's number: known by it from now on.
                "company_registry": registry.strip() if isinstance(registry, str) and registry.strip() else False,
            }
            people = item.get("people_data")
            if people:
                vals.update({
                    "contact_name": people[0].get("full_name"),
                    "email_from": people[0].get("email"),
                    "function": people[0].get("title"),
                })
            vals_list.append(vals)
        return vals_list

    @api.model
    def _find_state_id(self, state_code, country_id):
        """Stock API: the id of the state of this code in this country, or False."""
        key = (country_id, _upper(state_code))
        return self._find_states({key}).get(key, False)

    def _find_countries(self, codes):
        """{upper-case ISO code: country id} for the given codes."""
        codes = {_upper(code) for code in codes if code}
        if not codes:
            return {}
        countries = self.env["res.country"].search_fetch([("code", "in", list(codes))], ["code"])
        return {country.code.upper(): country.id for country in countries}

    def _find_states(self, pairs):
        """{(country id, upper-case state code): state id} for the given pairs."""
        pairs = {(country_id, code) for country_id, code in pairs if country_id and code}
        if not pairs:
            return {}
        states = self.env["res.country.state"].search_fetch(
            [("country_id", "in", list({country_id for country_id, _code in pairs}))],
            ["country_id", "code"],
        )
        found = {}
        for state in states:
            code = state.code.upper()
            # Some countries' codes carry their country ("DE-BE"); services may send "BE".
            found.setdefault((state.country_id.id, code.partition("-")[2] or code), state.id)
            found[(state.country_id.id, code)] = state.id
        return {pair: found[pair] for pair in pairs if pair in found}


def _upper(code):
    return (code or "").strip().upper()
