"""Write a fictitious pair of Estonian files: the e-Business Register's simple
data and the Tax and Customs Board's taxes paid, turnover and employees.

    python3 scripts/registers/generate_ariregister.py COMPANIES OUTPUT_DIR

Writes OUTPUT_DIR/ettevotja_rekvisiidid__lihtandmed.csv (semicolons, a BOM,
the published columns; valid registry codes) and
OUTPUT_DIR/tasutud_maksud_kaesolev_aasta.csv (commas, one row per company and
year, this year's fourth quarter not yet published), as published. 8 % of
the entities are sole proprietors (FIE), 2 % in liquidation, 1 % bankrupt;
60 % of the companies have tax rows (two years each), and 5 % of the tax
rows are of self-employed persons without a registry code. The real files:
about 378,000 entities and 440,000 tax rows. Used by `make bench`
(BENCH_ONLY=registers_ee).
"""
import argparse
import csv
import os
import random

COMPANY_COLUMNS = (
    "nimi", "ariregistri_kood", "ettevotja_oiguslik_vorm", "ettevotja_oigusliku_vormi_alaliik", "kmkr_nr",
    "ettevotja_staatus", "ettevotja_staatus_tekstina", "ettevotja_esmakande_kpv", "ettevotja_aadress",
    "asukoht_ettevotja_aadressis", "asukoha_ehak_kood", "asukoha_ehak_tekstina", "indeks_ettevotja_aadressis",
    "ads_adr_id", "ads_ads_oid", "ads_normaliseeritud_taisaadress", "teabesysteemi_link",
)
QUARTERS = ("I", "II", "III", "IV")
TAX_COLUMNS = (
    ["Andmete seis", "Registrikood", "Nimi", "Liik", "Maakond", "Tegevusala", "Aasta"]
    + [f"Riiklikud maksud {quarter} kv" for quarter in QUARTERS]
    + [f"Tööjõumaksud ja maksed {quarter} kv" for quarter in QUARTERS]
    + [f"Käive {quarter} kv" for quarter in QUARTERS]
    + [f"Töötajate arv {quarter} kv" for quarter in QUARTERS]
)
PLACES = [("0784", "Kesklinna linnaosa, Tallinn, Harju maakond", "10111"),
          ("0596", "Pirita linnaosa, Tallinn, Harju maakond", "11911"),
          ("8151", "Tartu linn, Tartu linn, Tartu maakond", "51007"),
          ("0624", "Pärnu linn, Pärnu linn, Pärnu maakond", "80010"),
          ("0511", "Narva linn, Narva linn, Ida-Viru maakond", "20308")]
FORMS = ["Osaühing"] * 80 + ["Aktsiaselts"] * 5 + ["Mittetulundusühing"] * 7
WORDS = ["Põhja", "Lõuna", "Mere", "Metsa", "Kivi", "Õun", "Järve", "Tarkvara", "Ehitus", "Kaubandus", "Müük"]
STATUS_TEXT = {"R": "Registrisse kantud", "L": "Likvideerimisel", "N": "Pankrotis"}


def registry_code(prefix):
    """A registry code of 7 digits and its check digit."""
    for weights in ((1, 2, 3, 4, 5, 6, 7), (3, 4, 5, 6, 7, 8, 9)):
        remainder = sum(int(digit) * weight for digit, weight in zip(prefix, weights)) % 11
        if remainder < 10:
            return f"{prefix}{remainder}"
    return f"{prefix}0"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("companies", type=int)
    parser.add_argument("output_dir")
    args = parser.parse_args()
    rng = random.Random(27)
    os.makedirs(args.output_dir, exist_ok=True)
    companies_path = os.path.join(args.output_dir, "ettevotja_rekvisiidid__lihtandmed.csv")
    taxes_path = os.path.join(args.output_dir, "tasutud_maksud_kaesolev_aasta.csv")
    with open(companies_path, "w", encoding="utf-8-sig", newline="") as companies_file, \
            open(taxes_path, "w", encoding="utf-8-sig", newline="") as taxes_file:
        companies = csv.writer(companies_file, delimiter=";", lineterminator="\n")
        taxes = csv.writer(taxes_file, quoting=csv.QUOTE_ALL, lineterminator="\n")
        companies.writerow(COMPANY_COLUMNS)
        taxes.writerow(TAX_COLUMNS)
        for index in range(args.companies):
            code = registry_code(f"{1000000 + index:07d}")
            person = rng.random() < 0.08
            name = (f"{rng.choice(WORDS)} {rng.choice(WORDS)} {index} FIE" if person
                    else f"{rng.choice(WORDS)} {rng.choice(WORDS)} {index} OÜ")
            form = "Füüsilisest isikust ettevõtja" if person else rng.choice(FORMS)
            draw = rng.random()
            status = "L" if draw < 0.02 else "N" if draw < 0.03 else "R"
            ehak, place, zip_code = rng.choice(PLACES)
            street = f"{rng.choice(WORDS)} tn {rng.randint(1, 99)}"
            companies.writerow([
                name, code, form, "", "" if person else f"EE10{code[1:]}", status, STATUS_TEXT[status],
                f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1992, 2026)}", "", street, ehak,
                place, zip_code, "", "", f"{street}, {place}", f"https://ariregister.rik.ee/est/company/{code}",
            ])
            if person or rng.random() >= 0.6:
                continue
            employees = rng.randint(0, 120)
            for year, published in ((2025, 4), (2026, 3)):
                quarters = [(f"{employees * 900 + quarter}", f"{employees * 700}",
                             f"{employees * 40000 + rng.randint(0, 99999)}.{rng.randint(0, 99):02d}", f"{employees}")
                            if quarter < published else ("", "", "", "") for quarter in range(4)]
                taxes.writerow(["10.10.2026", code, name, "Äriühing", "Harju ( Tallinn )", "INFO JA SIDE", year]
                               + [quarter[column] for column in range(4) for quarter in quarters])
            if rng.random() < 0.1:   # a self-employed person: no registry code
                taxes.writerow(["10.10.2026", f"EE{index:016d}", "Isik", "Füüsilisest isikust ettevõtja", "", "",
                                2026] + ["1"] * 16)


if __name__ == "__main__":
    main()
