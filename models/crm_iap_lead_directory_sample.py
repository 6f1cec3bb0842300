"""Fictitious sample companies for the company directory (demo data, `make demo`).

The benchmarks' COPY loader of a large directory is tests/directory_sample.py.
"""
import random

from odoo import api, models

COUNTRY_CODES = ["ES", "IT", "BE", "FR", "DE", "US", "MX", "AR", "CO", "CL", "BR", "PT", "NL"]
FIRST_WORDS = [
    "Nordwind", "Solé", "Bellavista", "Peñalara", "Alpenglück", "Monteverde", "Río Claro", "Lumière",
    "Brisa", "Vulcano", "Aurora", "Castellana", "Dolomiti", "Hafen", "Meridiana", "Océano", "Pampa",
    "Sierra", "Tramontana", "Zenit",
]
SECOND_WORDS = [
    "Logística", "Tecnologie", "Consulting", "Diseño", "Vini", "Soluciones", "Logistik", "Industrie",
    "Energía", "Alimentari", "Software", "Construcciones", "Textil", "Farma", "Trasporti", "Media",
]
FIRST_NAMES = ["José", "María", "Núria", "Giulia", "Niccolò", "Jürgen", "Chloé", "Íñigo", "Lucía", "Marco",
               "Sofía", "Matteo", "Élodie", "Lars", "Valentina", "Joaquín"]
LAST_NAMES = ["Núñez", "Müller", "García", "Ricci", "Peña", "Dubois", "Conti", "Ibáñez", "Schäfer",
              "Rossi", "Fernández", "Lambert", "Costa", "Moreau"]
TITLES = ["CEO", "Sales Director", "Purchasing Manager", "CFO", "Head of Marketing", "IT Manager",
          "Operations Manager", "Founder"]
TECHNOLOGIES = ["odoo", "nginx", "postgresql", "wordpress", "shopify", "google_analytics", "react", "magento"]
TIMEZONES = {"ES": "Europe/Madrid", "IT": "Europe/Rome", "BE": "Europe/Brussels", "FR": "Europe/Paris",
             "DE": "Europe/Berlin", "US": "America/New_York", "MX": "America/Mexico_City",
             "AR": "America/Argentina/Buenos_Aires", "CO": "America/Bogota", "CL": "America/Santiago",
             "BR": "America/Sao_Paulo", "PT": "Europe/Lisbon", "NL": "Europe/Amsterdam"}


class CrmIapLeadDirectorySample(models.AbstractModel):
    """Generates a deterministic, clearly fictitious company directory."""

    _name = "crm.iap.lead.directory.sample"
    _description = "Company Directory Sample Generator"

    @api.model
    def _generate(self, count, seed=1, batch_size=1000):
        """Create `count` fictitious companies (0 to 5 contacts each); the same
        seed always gives the same companies."""
        rng = random.Random(seed)
        countries = self.env["res.country"].search([("code", "in", COUNTRY_CODES)])
        states = {country.id: country.state_ids.ids for country in countries}
        # A few dozen records each.
        industries = self.env["crm.iap.lead.industry"].search([]).ids  # pylint: disable=no-search-all
        roles = self.env["crm.iap.lead.role"].search([]).ids  # pylint: disable=no-search-all
        seniorities = self.env["crm.iap.lead.seniority"].search([]).ids  # pylint: disable=no-search-all
        Company = self.env["crm.iap.lead.directory.company"]
        created = Company
        start = Company.search_count([]) + 1
        for offset in range(0, count, batch_size):
            numbers = range(start + offset, start + min(offset + batch_size, count))
            vals_list = [
                self._company_values(rng, number, countries, states, industries, roles, seniorities)
                for number in numbers
            ]
            created |= Company.create(vals_list)
            self.env.flush_all()
            self.env.invalidate_all()
        return created

    @api.model
    def _company_values(self, rng, number, countries, states, industries, roles, seniorities):
        country = countries[number % len(countries)]
        name = f"{rng.choice(FIRST_WORDS)} {rng.choice(SECOND_WORDS)} {number:05d}"
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower().encode("ascii", "ignore").decode())
        domain = f"{'-'.join(filter(None, slug.split('-')))}.example"
        # Log-uniform: many small companies, a few large ones.
        employees = int(10 ** rng.uniform(0, 4.3))
        return {
            "name": f"{name} (fictitious)",
            "legal_name": f"{name} (fictitious) Ltd.",
            "domain": domain,
            "emails": f"info@{domain}",
            "phones": f"+{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}",
            "street": f"{rng.choice(['Calle', 'Via', 'Rue', 'Straße', 'Avenue'])} {rng.choice(LAST_NAMES)} {rng.randint(1, 200)}",
            "city": f"{rng.choice(['Villa', 'San', 'Porto', 'Neu', 'Saint'])} {rng.choice(FIRST_WORDS)}",
            "zip": f"{rng.randint(10000, 99999)}",
            "country_id": country.id,
            "state_id": rng.choice(states[country.id]) if states[country.id] else False,
            "industry_id": industries[number % len(industries)] if industries else False,
            "employees": employees,
            "estimated_revenue": round(employees * rng.uniform(40000, 250000), -3),
            "technologies": ", ".join(rng.sample(TECHNOLOGIES, rng.randint(1, 4))),
            "timezone": TIMEZONES.get(country.code),
            "founded_year": rng.randint(1900, 2024),
            "description": f"{name} is a fictitious company made up for demonstrations.",
            "linkedin": f"company/{domain.split('.')[0]}",
            "contact_ids": [(0, 0, {
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "title": rng.choice(TITLES),
                "email": f"contact{index}@{domain}",
                "phone": f"+{rng.randint(10, 99)} {rng.randint(100000000, 999999999)}",
                "role_id": rng.choice(roles) if roles else False,
                "seniority_id": rng.choice(seniorities) if seniorities else False,
            }) for index in range(rng.randint(0, 5))],
        }

    @api.model
    def _load_demo(self, count=300):
        """Demo data: a small directory and credits to mine it with."""
        self._generate(count, seed=1)
        self.env["crm.iap.lead.credit.line"]._record(
            self.env.ref("base.main_company"), "directory", [(500, "topup")], reference="Demo",
        )
