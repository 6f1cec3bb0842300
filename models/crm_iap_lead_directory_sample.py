"""Fictitious sample companies for the company directory (demo data, `make demo`).

The benchmarks' COPY loader of a large directory is tests/directory_sample.py.
"""
import functools
import random
import unicodedata

from odoo import api, models

# Each country's own words, so that a sample company looks like one of its
# country: names, legal forms, dialling code, cities, the way streets are
# written. Fictitious
# all the same: names are made of two words, domains end in .example.
COUNTRY_SAMPLES = {
    "ES": {"phone": "+34", "legal_forms": ["S.L.", "S.A."], "street": "Calle {name} {number}",
           "cities": ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Zaragoza", "Málaga"],
           "words": (["Peñalara", "Río Claro", "Castellana", "Tramontana", "Sierra", "Brisa"],
                     ["Logística", "Soluciones", "Diseño", "Construcciones", "Energía", "Textil"]),
           "first_names": ["José", "María", "Núria", "Íñigo", "Lucía", "Joaquín", "Carmen", "Javier"],
           "last_names": ["Núñez", "García", "Peña", "Ibáñez", "Fernández", "Martínez", "López"]},
    "MX": {"phone": "+52", "legal_forms": ["S.A. de C.V.", "S. de R.L."], "street": "Avenida {name} {number}",
           "cities": ["Ciudad de México", "Guadalajara", "Monterrey", "Puebla", "Querétaro", "Mérida"],
           "words": (["Azteca", "Sierra Madre", "Pacífico", "Jacarandá", "Maya", "Sol"],
                     ["Logística", "Soluciones", "Alimentos", "Construcciones", "Energía", "Textil"]),
           "first_names": ["Alejandro", "Guadalupe", "José Luis", "Ximena", "Fernanda", "Héctor"],
           "last_names": ["Hernández", "García", "Ramírez", "Sánchez", "Cruz", "Morales"]},
    "AR": {"phone": "+54", "legal_forms": ["S.A.", "S.R.L."], "street": "Avenida {name} {number}",
           "cities": ["Buenos Aires", "Córdoba", "Rosario", "Mendoza", "La Plata", "Salta"],
           "words": (["Pampa", "Andina", "Patagonia", "Río de la Plata", "Ñandú", "Quebracho"],
                     ["Logística", "Soluciones", "Agro", "Construcciones", "Energía", "Software"]),
           "first_names": ["Martín", "Sofía", "Joaquín", "Valentina", "Santiago", "Camila"],
           "last_names": ["González", "Rodríguez", "Fernández", "López", "Díaz", "Pérez"]},
    "CO": {"phone": "+57", "legal_forms": ["S.A.S.", "S.A."], "street": "Carrera {number} # {name}",
           "cities": ["Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga"],
           "words": (["Cafetera", "Andina", "Caribe", "Orquídea", "Magdalena", "Cóndor"],
                     ["Logística", "Soluciones", "Alimentos", "Construcciones", "Energía", "Software"]),
           "first_names": ["Andrés", "Daniela", "Juan Pablo", "Natalia", "Sebastián", "Paola"],
           "last_names": ["Rodríguez", "Gómez", "Martínez", "Restrepo", "Vargas", "Castaño"]},
    "CL": {"phone": "+56", "legal_forms": ["SpA", "S.A.", "Ltda."], "street": "Avenida {name} {number}",
           "cities": ["Santiago", "Valparaíso", "Concepción", "Antofagasta", "Temuco", "La Serena"],
           "words": (["Andes", "Pacífico", "Atacama", "Araucaria", "Copihue", "Austral"],
                     ["Logística", "Soluciones", "Minería", "Construcciones", "Energía", "Vinos"]),
           "first_names": ["Matías", "Catalina", "Benjamín", "Francisca", "Vicente", "Constanza"],
           "last_names": ["Muñoz", "Rojas", "Díaz", "Soto", "Contreras", "Silva"]},
    "IT": {"phone": "+39", "legal_forms": ["S.r.l.", "S.p.A."], "street": "Via {name} {number}",
           "cities": ["Milano", "Roma", "Torino", "Bologna", "Firenze", "Napoli", "Verona"],
           "words": (["Bellavista", "Dolomiti", "Vulcano", "Meridiana", "Monteverde", "Zefiro"],
                     ["Tecnologie", "Vini", "Alimentari", "Trasporti", "Meccanica", "Arredamenti"]),
           "first_names": ["Giulia", "Niccolò", "Matteo", "Valentina", "Francesca", "Lorenzo"],
           "last_names": ["Ricci", "Conti", "Rossi", "Bianchi", "Esposito", "Galli"]},
    "FR": {"phone": "+33", "legal_forms": ["SAS", "SARL", "SA"], "street": "{number} rue {name}",
           "cities": ["Paris", "Lyon", "Toulouse", "Nantes", "Bordeaux", "Lille", "Strasbourg"],
           "words": (["Lumière", "Océane", "Mistral", "Bel Air", "Étoile", "Garonne"],
                     ["Conseil", "Logistique", "Industrie", "Énergie", "Édition", "Vins"]),
           "first_names": ["Chloé", "Élodie", "Julien", "Camille", "François", "Hélène"],
           "last_names": ["Dubois", "Lambert", "Moreau", "Lefèvre", "Girard", "Rousseau"]},
    "BE": {"phone": "+32", "legal_forms": ["SRL", "NV", "BV"], "street": "Rue {name} {number}",
           "cities": ["Bruxelles", "Antwerpen", "Gent", "Liège", "Namur", "Brugge"],
           "words": (["Ardenne", "Escaut", "Meuse", "Brabant", "Atomium", "Sablon"],
                     ["Conseil", "Logistiek", "Industrie", "Énergie", "Chocolaterie", "Software"]),
           "first_names": ["Lotte", "Thomas", "Élise", "Pieter", "Mathilde", "Wout"],
           "last_names": ["Peeters", "Janssens", "Dupont", "Maes", "Lemaire", "Claes"]},
    "DE": {"phone": "+49", "legal_forms": ["GmbH", "AG", "GmbH & Co. KG"], "street": "{name}straße {number}",
           "cities": ["München", "Köln", "Düsseldorf", "Nürnberg", "Hamburg", "Berlin", "Lübeck"],
           "words": (["Nordwind", "Alpenglück", "Hafen", "Schwarzwald", "Rheinblick", "Elbtal"],
                     ["Logistik", "Maschinenbau", "Software", "Energie", "Bäckerei", "Brauerei"]),
           "first_names": ["Jürgen", "Lena", "Jörg", "Sophie", "Maximilian", "Käthe"],
           "last_names": ["Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Schmidt"]},
    "NL": {"phone": "+31", "legal_forms": ["B.V.", "N.V."], "street": "{name}straat {number}",
           "cities": ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Den Haag"],
           "words": (["Noordzee", "Tulp", "Molen", "Polder", "Delta", "Grachten"],
                     ["Logistiek", "Techniek", "Software", "Energie", "Bouw", "Handel"]),
           "first_names": ["Daan", "Sanne", "Bram", "Fleur", "Joris", "Anouk"],
           "last_names": ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit"]},
    "PT": {"phone": "+351", "legal_forms": ["Lda.", "S.A."], "street": "Rua {name}, {number}",
           "cities": ["Lisboa", "Porto", "Braga", "Coimbra", "Faro", "Aveiro"],
           "words": (["Atlântico", "Tejo", "Douro", "Alfama", "Sintra", "Mondego"],
                     ["Logística", "Soluções", "Vinhos", "Construções", "Energia", "Têxteis"]),
           "first_names": ["João", "Inês", "Tiago", "Beatriz", "Gonçalo", "Mariana"],
           "last_names": ["Silva", "Santos", "Ferreira", "Pereira", "Gonçalves", "Rodrigues"]},
    "BR": {"phone": "+55", "legal_forms": ["Ltda.", "S.A."], "street": "Rua {name}, {number}",
           "cities": ["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Salvador", "Recife"],
           "words": (["Ipê", "Atlântica", "Paraná", "Cerrado", "Jabuticaba", "Tucano"],
                     ["Logística", "Soluções", "Alimentos", "Construções", "Energia", "Tecnologia"]),
           "first_names": ["Lucas", "Ana Clara", "Gabriel", "Júlia", "Rafael", "Letícia"],
           "last_names": ["Souza", "Oliveira", "Lima", "Araújo", "Carvalho", "Ribeiro"]},
    "US": {"phone": "+1", "legal_forms": ["Inc.", "LLC", "Corp."], "street": "{number} {name} Street",
           "cities": ["Austin", "Denver", "Portland", "Chicago", "Boston", "Atlanta", "Phoenix"],
           "words": (["Blue Ridge", "Lakeshore", "Redwood", "Prairie", "Harbor", "Summit"],
                     ["Logistics", "Software", "Consulting", "Foods", "Energy", "Media"]),
           "first_names": ["Emily", "Michael", "Ashley", "Christopher", "Jessica", "Tyler"],
           "last_names": ["Smith", "Johnson", "Miller", "Davis", "Anderson", "Taylor"]},
}
COUNTRY_CODES = list(COUNTRY_SAMPLES)
# `make demo`: the sample directory's size and the balance it starts with (the README says both).
MAKE_DEMO_SIZE = 12000
MAKE_DEMO_CREDITS = 15000
TECHNOLOGIES = ["odoo", "nginx", "postgresql", "wordpress", "shopify", "google_analytics", "react", "magento"]
TIMEZONES = {"ES": "Europe/Madrid", "IT": "Europe/Rome", "BE": "Europe/Brussels", "FR": "Europe/Paris",
             "DE": "Europe/Berlin", "US": "America/New_York", "MX": "America/Mexico_City",
             "AR": "America/Argentina/Buenos_Aires", "CO": "America/Bogota", "CL": "America/Santiago",
             "BR": "America/Sao_Paulo", "PT": "Europe/Lisbon", "NL": "Europe/Amsterdam"}

# A contact's title follows from its role (reveal code) and seniority: the
# area of work, worded for each seniority. Roles that are a title of their
# own (CEO, Founder...) are executives.
ROLE_AREAS = {
    "communications": "Communications", "consulting": "Consulting", "customer_service": "Customer Service",
    "education": "Training", "engineering": "Engineering", "finance": "Finance",
    "health_professional": "Health and Safety", "human_resources": "Human Resources",
    "information_technology": "IT", "legal": "Legal", "marketing": "Marketing", "operations": "Operations",
    "product": "Product", "public_relations": "Public Relations", "real_estate": "Real Estate",
    "recruiting": "Recruiting", "research": "Research", "sale": "Sales",
}
EXECUTIVE_ROLES = {"ceo": "CEO", "founder": "Founder", "owner": "Owner", "president": "President"}
SENIORITY_TITLES = {"executive": "Chief {area} Officer", "director": "{area} Director", "manager": "{area} Manager"}
# Executives with a usual title of their own.
CHIEF_TITLES = {"finance": "CFO", "information_technology": "CTO", "marketing": "CMO", "operations": "COO",
                "sale": "Chief Sales Officer", "human_resources": "Chief People Officer"}

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                                  "æ": "ae", "ø": "oe", "å": "aa", "œ": "oe"})


def ascii_slug(text):
    """'Alpenglück Bäckerei' -> 'alpenglueck-baeckerei': accents dropped
    (é -> e), German umlauts spelled out (ü -> ue), the rest joined by '-'."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return "-".join(filter(None, "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in text).split("-")))


@functools.lru_cache(maxsize=None)
def _words_slug(first, second):
    # Millions of sample companies share a few hundred pairs of words.
    return ascii_slug(f"{first} {second}")


def contact_title(role_code, seniority_code):
    """The title of a contact of this role (reveal code) and seniority."""
    if role_code in EXECUTIVE_ROLES:
        return EXECUTIVE_ROLES[role_code]
    if seniority_code == "executive" and role_code in CHIEF_TITLES:
        return CHIEF_TITLES[role_code]
    area = ROLE_AREAS.get(role_code, "Business")
    return SENIORITY_TITLES.get(seniority_code, "{area} Manager").format(area=area)


def sample_company(code, number, choice):
    """Name, legal name, domain, phone, street and city of sample company
    `number` of country `code`; `choice(sequence)` picks (random or hashed)."""
    vocab = COUNTRY_SAMPLES[code]
    first, second = (choice(words) for words in vocab["words"])
    name = f"{first} {second} {number:05d}"
    domain = f"{_words_slug(first, second)}-{number:05d}.example"
    prefix = vocab["phone"]
    return {
        "name": f"{name} (fictitious)",
        "legal_name": f"{name} {choice(vocab['legal_forms'])} (fictitious)",
        "domain": domain,
        "phone": f"{prefix} {choice(range(200, 999))} {choice(range(100000, 999999))}",
        "street": vocab["street"].format(name=choice(vocab["last_names"]), number=choice(range(1, 200))),
        "city": choice(vocab["cities"]),
    }


def sample_contact(code, choice, role_code, seniority_code):
    """Name, title and phone of a sample contact of a company of country `code`."""
    vocab = COUNTRY_SAMPLES[code]
    return {
        "name": f"{choice(vocab['first_names'])} {choice(vocab['last_names'])}",
        "title": contact_title(role_code, seniority_code),
        "phone": f"{vocab['phone']} {choice(range(100000000, 999999999))}",
    }


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
        roles = [(role.id, role.reveal_id) for role in self.env["crm.iap.lead.role"].search([])]  # pylint: disable=no-search-all
        seniorities = [(seniority.id, seniority.reveal_id)
                       for seniority in self.env["crm.iap.lead.seniority"].search([])]  # pylint: disable=no-search-all
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
        company = sample_company(country.code, number, rng.choice)
        domain = company["domain"]
        # Log-uniform: many small companies, a few large ones.
        employees = int(10 ** rng.uniform(0, 4.3))
        return {
            "name": company["name"],
            "legal_name": company["legal_name"],
            "domain": domain,
            "emails": f"info@{domain}",
            "phones": company["phone"],
            "street": company["street"],
            "city": company["city"],
            "zip": f"{rng.randint(10000, 99999)}",
            "country_id": country.id,
            "state_id": rng.choice(states[country.id]) if states[country.id] else False,
            "industry_id": industries[number % len(industries)] if industries else False,
            "employees": employees,
            "estimated_revenue": round(employees * rng.uniform(40000, 250000), -3),
            "technologies": ", ".join(rng.sample(TECHNOLOGIES, rng.randint(1, 4))),
            "timezone": TIMEZONES.get(country.code),
            "founded_year": rng.randint(1900, 2024),
            "description": f"{company['name']} is a fictitious company made up for demonstrations.",
            "linkedin": f"company/{domain.split('.')[0]}",
            "contact_ids": [
                (0, 0, self._contact_values(rng, country.code, domain, index, roles, seniorities))
                for index in range(rng.randint(0, 5))
            ],
        }

    @api.model
    def _contact_values(self, rng, code, domain, index, roles, seniorities):
        role_id, role_code = rng.choice(roles) if roles else (False, None)
        seniority_id, seniority_code = rng.choice(seniorities) if seniorities else (False, None)
        if role_code in EXECUTIVE_ROLES:  # a CEO is no manager
            seniority_id, seniority_code = next(
                ((sid, scode) for sid, scode in seniorities if scode == "executive"), (seniority_id, seniority_code))
        contact = sample_contact(code, rng.choice, role_code, seniority_code)
        return dict(contact, email=f"contact{index}@{domain}", role_id=role_id, seniority_id=seniority_id)

    @api.model
    def _load_demo(self, count=300):
        """Demo data: a small directory and credits to mine it with."""
        self._generate(count, seed=1)
        self.env["crm.iap.lead.credit.line"]._record(
            self.env.ref("base.main_company"), "directory", [(500, "topup")], reference="Demo",
        )

    @api.model
    def _load_make_demo(self, size=MAKE_DEMO_SIZE, credits=MAKE_DEMO_CREDITS):
        """`make demo`: the large sample directory, made the default provider,
        with a balance of exactly `credits` (the demo data's own top-up
        included), so that Generate Leads works offline from the first click."""
        Company = self.env["crm.iap.lead.directory.company"]
        existing = Company.search_count([])
        if existing < size:  # the first time only: a reused demo keeps what was spent
            self._generate(size - existing, seed=2026)
            company = self.env.ref("base.main_company")
            ledger = self.env["crm.iap.lead.credit.line"]
            missing = credits - ledger._get_balance(company, "directory")
            if missing > 0:
                ledger._record(company, "directory", [(missing, "topup")], reference="make demo")
        self.env["ir.config_parameter"].sudo().set_param("crm_iap_mine.default_provider", "directory")
