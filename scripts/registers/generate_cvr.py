"""Write a fictitious dump of Denmark's CVR companies, as dump_dk_cvr.py writes it.

    python3 scripts/registers/generate_cvr.py DOCUMENTS OUTPUT.jsonl [--full]

One search hit per line (``{"_index", "_id", "_source": {"Vrvirksomhed":
{...}}}``), plain (the bench measures JSON bytes per second; gzip it to
import it as a dump). By default the documents hold what the dump script
asks for (about 1.5 KB each); ``--full`` adds the histories a dump without
``_source`` filtering holds (names, addresses, statuses, attributes, about
6 KB each), which the import skips as it flattens them. About 30 % of the
documents are sole proprietorships, 10 % ceased, 1 % bankrupt, 15 %
refusing advertising, as in the real register. Each document comes from a
generator seeded by its number.
"""
import argparse
import json
import random

W = (2, 7, 6, 5, 4, 3, 2, 1)
STREETS = ["Vesterbrogade", "Nørrebrogade", "Strøget", "Algade", "Søndergade", "Østergade", "Bredgade"]
TOWNS = [("1620", "København V"), ("8000", "Aarhus C"), ("5000", "Odense C"), ("9000", "Aalborg"),
         ("6700", "Esbjerg"), ("7100", "Vejle")]
BRANCHES = ["620100", "107100", "471100", "412000", "561010", "702200", "464900", "000000"]
WORDS = ["Nordlys", "Hjørnet", "Æble", "Bølge", "Skov", "Fjord", "Smed", "Tømrer", "Bager", "Data"]
STATUSES = ["NORMAL"] * 88 + ["Opløst efter fusion"] * 5 + ["Ophørt"] * 5 + ["Under konkurs", "Under frivillig likvidation"]
BANDS = ["ANTAL_1_1", "ANTAL_2_4", "ANTAL_5_9", "ANTAL_10_19", "ANTAL_20_49", "ANTAL_50_99", "ANTAL_100_199"]


def cvr_number(index):
    """A distinct eight-digit number per index (below 3,000,000) with a
    valid modulus-11 check digit: the first base of seven digits whose
    check digit is not 10, of three ranges 3,000,000 apart."""
    for base in (1000000 + index, 4000000 + index, 7000000 + index):
        check = -sum(int(digit) * weight for digit, weight in zip(str(base), W)) % 11
        if check < 10:
            return base * 10 + check
    raise ValueError(index)


def period(start, end=None):
    return {"gyldigFra": start, "gyldigTil": end}


def document(index, full):
    rng = random.Random(index)
    number = cvr_number(index)
    form = rng.choices([(10, "ENK"), (80, "APS"), (60, "A/S"), (30, "I/S"), (15, "PMV")], [28, 45, 15, 10, 2])[0]
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {form[1] if form[0] != 10 else 'v/ Jens Hansen'}"
    if index % 97 == 0:
        name = f'"{name}", Smørrebrød; & Co'
    zip_code, town = rng.choice(TOWNS)
    address = {"landekode": "DK", "vejnavn": rng.choice(STREETS), "husnummerFra": rng.randint(1, 200),
               "bogstavFra": rng.choice([None, None, "A", "B"]), "etage": None, "sidedoer": None,
               "postnummer": int(zip_code), "postdistrikt": town, "bynavn": None,
               "kommune": {"kommuneKode": 101, "kommuneNavn": town.upper()}, "conavn": None, "postboks": None,
               "fritekst": None, "adresseId": None, "periode": period("2015-01-01")}
    founded = f"{rng.randint(1950, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    domain = f"{name.split()[0].strip(chr(34)).lower()}-{number}.example"
    contacts = rng.choice([[], [f"{rng.randint(20000000, 99999999)}"],
                           [f"{rng.randint(20000000, 99999999)}", f"info@{domain}", f"www.{domain}"]])
    band = rng.choice(BANDS)
    staff = {"aar": 2026, "maaned": rng.randint(1, 9), "antalAnsatte": None, "antalAarsvaerk": None,
             "intervalKodeAntalAnsatte": band, "intervalKodeAntalAarsvaerk": band}
    meta = {
        "nyesteNavn": {"navn": name, "periode": period(founded)},
        "nyesteBeliggenhedsadresse": address,
        "nyesteHovedbranche": {"branchekode": rng.choice(BRANCHES), "branchetekst": "Tekst", "periode": period(founded)},
        "nyesteVirksomhedsform": {"virksomhedsformkode": form[0], "kortBeskrivelse": form[1],
                                  "langBeskrivelse": form[1], "ansvarligDataleverandoer": "E&S"},
        "nyesteKontaktoplysninger": contacts,
        "sammensatStatus": rng.choice(STATUSES),
        "stiftelsesDato": founded,
        "nyesteErstMaanedsbeskaeftigelse": staff,
        "nyesteMaanedsbeskaeftigelse": None,
        "nyesteKvartalsbeskaeftigelse": {"aar": 2021, "kvartal": 2, "antalAnsatte": None,
                                         "intervalKodeAntalAnsatte": rng.choice(BANDS)},
        "nyesteAarsbeskaeftigelse": None,
    }
    company = {"cvrNummer": number, "reklamebeskyttet": rng.random() < 0.15, "virksomhedMetadata": meta}
    if full:
        company.update({
            "enhedsNummer": 4000000000 + index, "regNummer": [], "brancheAnsvarskode": None,
            "navne": [{"navn": name, "periode": period(founded), "sidstOpdateret": "2020-01-01T00:00:00.000+01:00"}],
            "binavne": [], "postadresse": [], "beliggenhedsadresse": [address] * rng.randint(1, 4),
            "telefonNummer": [{"kontaktoplysning": contact, "hemmelig": False, "periode": period(founded)}
                              for contact in contacts[:1]],
            "hovedbranche": [meta["nyesteHovedbranche"]] * rng.randint(1, 3),
            "virksomhedsstatus": [{"status": "NORMAL", "periode": period(founded)}],
            "virksomhedsform": [meta["nyesteVirksomhedsform"]],
            "erstMaanedsbeskaeftigelse": [dict(staff, maaned=month) for month in range(1, rng.randint(2, 12))],
            "attributter": [{"sekvensnr": 0, "type": kind, "vaerditype": "string", "vaerdier": [
                {"vaerdi": "Virksomhedens formål er at drive handel og dermed beslægtet virksomhed.",
                 "periode": period(founded), "sidstOpdateret": "2020-01-01T00:00:00.000+01:00"}]}
                for kind in ("FORMÅL", "KAPITAL", "KAPITALVALUTA", "REGNSKABSÅR_START", "REGNSKABSÅR_SLUT")],
            "deltagerRelation": [{"deltager": {"enhedsNummer": 4100000000 + index, "enhedstype": "PERSON"},
                                  "organisationer": []}],
        })
    return {"_index": "cvr-v-20220630", "_type": "_doc", "_id": str(4000000000 + index),
            "_source": {"Vrvirksomhed": company}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("documents", type=int)
    parser.add_argument("output")
    parser.add_argument("--full", action="store_true", help="with the histories of unfiltered documents")
    args = parser.parse_args()
    with open(args.output, "w", encoding="utf-8") as output:
        for index in range(args.documents):
            output.write(json.dumps(document(index, args.full), ensure_ascii=False, separators=(",", ":")))
            output.write("\n")


if __name__ == "__main__":
    main()
