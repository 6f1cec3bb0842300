"""Write a fictitious KBO Open Data full extract (Belgium), as downloaded.

    python3 scripts/registers/generate_kbo.py ENTERPRISES OUTPUT.zip
    python3 scripts/registers/generate_kbo.py ENTERPRISES OUTPUT.zip --update CHANGES

A zip of the published CSV members (meta, code, enterprise, establishment,
denomination, address, contact, activity, branch), every field quoted, in
the proportions of the real extract (about 1.9 M enterprises, 36 M activity
rows): half the enterprises natural persons, 3 % in another juridical
situation than normal; one establishment each; names in Dutch, French or
both; a seat address for 60 % (the real file has none for about 40 %);
phones, e-mails and websites for some; 19 activity rows per enterprise
(its establishment's included, NACE 2003, 2008 and 2025, main and
secondary, VAT and social security groups). Used by `make bench`
(BENCH_ONLY=registers_be).

With --update, the update extract that follows it (number 0313: per table,
<table>_delete.csv and <table>_insert.csv) changing CHANGES of its legal
persons, a fifth each: the juridical situation (the enterprise row inserted
again, alone), the names, stopped (deleted), the contacts and main activity;
and CHANGES / 5 new enterprises with their name and seat.
"""
import argparse
import csv
import io
import random
import zipfile
from collections import defaultdict
from types import SimpleNamespace

NAMES = ("Noorderlicht", "Brugse", "Ardennes", "Zonnebloem", "Maas", "Léon", "Schelde", "Vallée", "Kempen",
         "Hainaut", "Gaume", "Polder")
KINDS = ("Software", "Bouw", "Transport", "Boulangerie", "Consult", "Logistique", "Handel", "Services")
ZIPS = (("9000", "Gent", "Gand"), ("4000", "Luik", "Liège"), ("1000", "Brussel", "Bruxelles"),
        ("2000", "Antwerpen", "Anvers"), ("5000", "Namen", "Namur"), ("8000", "Brugge", "Bruges"),
        ("4700", "Eupen", "Eupen"), ("3000", "Leuven", "Louvain"), ("7000", "Bergen", "Mons"))
NACE = ("62010", "41201", "49410", "10711", "70220", "52100", "46900", "47110", "56101", "86210")


def number(base, establishment=False):
    """An enterprise number 0xxx.xxx.xxx with its check digits (97 - the first 8 mod 97)."""
    if establishment:
        digits = f"2{base:09d}"
    else:
        digits = f"{base:08d}{97 - base % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}" if not establishment else \
        f"{digits[0]}.{digits[1:4]}.{digits[4:7]}.{digits[7:]}"


class Members:
    """The CSV members, each written to a compressed member of the zip as it is generated."""

    def __init__(self, archive):
        self.archive = archive
        self.streams = {}

    def open(self, name, header):
        raw = self.archive.open(f"{name}.csv", "w", force_zip64=True)
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        self.streams[name] = (text, writer)
        return writer

    def close(self):
        for text, _writer in self.streams.values():
            text.close()


SPECS = (
    ("enterprise", ("EnterpriseNumber", "Status", "JuridicalSituation", "TypeOfEnterprise", "JuridicalForm",
                    "JuridicalFormCAC", "StartDate")),
    ("establishment", ("EstablishmentNumber", "StartDate", "EnterpriseNumber")),
    ("denomination", ("EntityNumber", "Language", "TypeOfDenomination", "Denomination")),
    ("address", ("EntityNumber", "TypeOfAddress", "CountryNL", "CountryFR", "Zipcode", "MunicipalityNL",
                 "MunicipalityFR", "StreetNL", "StreetFR", "HouseNumber", "Box", "ExtraAddressInfo",
                 "DateStrikingOff")),
    ("contact", ("EntityNumber", "EntityContact", "ContactType", "Value")),
    ("activity", ("EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification")),
    ("branch", ("Id", "StartDate", "EnterpriseNumber")),
)


def write_update(enterprises, changes, output):
    """The update extract after the full one of `enterprises` (see the module's docstring)."""
    # The full extract's enterprise rows, as it drew them: which are legal persons.
    rows = []
    rng = random.Random(2026)
    for index in range(enterprises):
        write_row("enterprise", SimpleNamespace(writerow=rows.append), rng, index)
    legal = [index for index, row in enumerate(rows) if row[3] == "2"]
    step = max(len(legal) // max(changes, 1), 1)
    deletes, inserts = defaultdict(list), defaultdict(list)
    for count, index in enumerate(legal[::step][:changes]):
        enterprise, change = rows[index][0], count % 5
        if change == 0:
            deletes["enterprise"].append((enterprise,))
            inserts["enterprise"].append(rows[index][:2] + ("000" if rows[index][2] != "000" else "012",)
                                         + rows[index][3:])
        elif change == 1:
            deletes["denomination"].append((enterprise,))
            inserts["denomination"] += [(enterprise, "2", "001", f"Hernoemd {index}"),
                                        (enterprise, "1", "001", f"Renommé {index}")]
        elif change == 2:
            deletes["enterprise"].append((enterprise,))
        elif change == 3:
            deletes["contact"].append((enterprise,))
            deletes["activity"].append((enterprise,))
            inserts["contact"] += [(enterprise, "ENT", "TEL", "02 123 45 67"),
                                   (enterprise, "ENT", "WEB", f"www.new{index}.example")]
            inserts["activity"] += [(enterprise, "001", version, "62100", "MAIN") for version in ("2008", "2025")]
        else:
            new = number(2000000 + enterprises + count)
            inserts["enterprise"].append((new, "AC", "000", "2", "610", "", "01-12-2026"))
            inserts["denomination"].append((new, "2", "001", f"Nieuw {count}"))
            inserts["address"].append((new, "REGO", "", "", "9000", "Gent", "Gand", "Veldstraat", "Rue des Champs",
                                       "1", "", "", ""))
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        write_small(archive, "meta", [("Variable", "Value"), ("SnapshotDate", "06-12-2026"),
                                      ("ExtractTimestamp", "07-12-2026 05:12:10"), ("ExtractType", "update"),
                                      ("ExtractNumber", "0313"), ("Version", "1.0.0")])
        for table, header in SPECS:
            number_column = "EnterpriseNumber" if table == "enterprise" else "EntityNumber"
            write_small(archive, f"{table}_delete", [(number_column,)] + deletes[table])
            write_small(archive, f"{table}_insert", [header] + inserts[table])


def write_small(archive, name, rows):
    """A member written at once, every field quoted."""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    archive.writestr(f"{name}.csv", out.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("enterprises", type=int)
    parser.add_argument("output")
    parser.add_argument("--update", type=int, metavar="CHANGES", help="write the update extract that follows it")
    args = parser.parse_args()
    if args.update:
        write_update(args.enterprises, args.update, args.output)
        return
    rng = random.Random(2026)
    with zipfile.ZipFile(args.output, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        write_small(archive, "meta", [("Variable", "Value"), ("SnapshotDate", "05-12-2026"),
                                      ("ExtractTimestamp", "06-12-2026 05:12:10"), ("ExtractType", "full"),
                                      ("ExtractNumber", "0312"), ("Version", "1.0.0")])
        write_small(archive, "code", [("Category", "Code", "Language", "Description"),
                                      ("JuridicalSituation", "000", "FR", "Situation normale")])
        # One member of a zip is written at a time: each is generated in turn, from the same seed.
        for member, header in SPECS[:-1]:
            members = Members(archive)
            writer = members.open(member, header)
            rng.seed(2026)
            for index in range(args.enterprises):
                write_row(member, writer, rng, index)
            members.close()
        archive.writestr("branch.csv", '"Id","StartDate","EnterpriseNumber"\n')


def write_row(member, writer, rng, index):
    """The rows of the enterprise `index` in the member `member` (the same
    draws of `rng` for each member)."""
    base = 2000000 + index   # 0200.000.0xx and on: starts with 0
    enterprise, establishment = number(base), number(base, establishment=True)
    person = rng.random() < 0.5
    situation = "000" if rng.random() > 0.03 else rng.choice(("012", "050", "017"))
    zip_code, city_nl, city_fr = rng.choice(ZIPS)
    name = f"{rng.choice(NAMES)} {rng.choice(KINDS)} {index}"
    languages = rng.choice((("2",), ("1",), ("1", "2")))
    has_seat, contacts = rng.random() < 0.6, rng.random()
    nace = rng.choice(NACE)
    if member == "enterprise":
        writer.writerow((enterprise, "AC", situation, "1" if person else "2", "" if person else "610",
                         "", f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1950, 2025)}"))
    elif member == "establishment":
        writer.writerow((establishment, "01-01-2020", enterprise))
    elif member == "denomination":
        for language in languages:
            writer.writerow((enterprise, language, "001", f'{name} "{language}", BV' if index % 50 == 0
                             else name))
        if index % 3 == 0:
            writer.writerow((enterprise, languages[0], "003", f"{name} shop"))
        writer.writerow((establishment, languages[0], "003", f"{name} vestiging"))
    elif member == "address":
        if has_seat:
            writer.writerow((enterprise, "REGO", "", "", zip_code, city_nl, city_fr, "Kerkstraat",
                             "Rue de l'Église", str(index % 200 + 1), "", "", ""))
        writer.writerow((establishment, "BAET", "", "", zip_code, city_nl, city_fr, "Stationsstraat",
                         "Rue de la Gare", "1", "", "", ""))
    elif member == "contact":
        if contacts < 0.2:
            writer.writerow((enterprise, "ENT", "TEL", f"0{rng.randint(10, 99)}/{rng.randint(100000, 999999)}"))
        if contacts < 0.15:
            writer.writerow((enterprise, "ENT", "EMAIL", f"info@company{index}.example"))
        if contacts < 0.1:
            writer.writerow((enterprise, "ENT", "WEB", f"www.company{index}.example"))
        if contacts < 0.05:
            writer.writerow((enterprise, "ENT", "FAX", "02 000 00 00"))
    else:
        # 19 rows: the enterprise's and its establishment's, old and new NACE versions.
        for entity in (enterprise, establishment):
            for group in ("001", "003"):
                for version, code in (("2003", nace[:4] + "0"), ("2008", nace), ("2025", nace)):
                    writer.writerow((entity, group, version, code, "MAIN"))
            writer.writerow((entity, "001", "2008", rng.choice(NACE), "SECO"))
            writer.writerow((entity, "001", "2008", rng.choice(NACE), "ANCI"))
            writer.writerow((entity, "006", "2008", rng.choice(NACE), "SECO"))
        writer.writerow((enterprise, "007", "2008", rng.choice(NACE), "SECO"))


if __name__ == "__main__":
    main()
