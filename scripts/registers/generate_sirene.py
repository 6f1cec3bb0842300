"""Write a fictitious pair of INSEE SIRENE stock files (establishments and legal units).

    python3 scripts/registers/generate_sirene.py ESTABLISHMENTS OUTPUT_DIR

Writes OUTPUT_DIR/StockEtablissement_utf8.csv and StockUniteLegale_utf8.csv
in the published layout (the 2025 columns included). Each legal unit has its
headquarters and 0 to 2 more establishments (about 1.5 per unit, as in the
real stock); 20 % of the units are natural persons, 5 % not diffusible,
10 % of the establishments closed. Used by `make bench` (see README).
"""
import argparse
import csv
import os
import random

ESTABLISHMENT_COLUMNS = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,dernierNumeroVoieEtablissement,indiceRepetitionDernierNumeroVoieEtablissement,"
    "typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,libellePaysEtrangerEtablissement,"
    "identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement,coordonneeLambertOrdonneeEtablissement,"
    "complementAdresse2Etablissement,numeroVoie2Etablissement,indiceRepetition2Etablissement,typeVoie2Etablissement,"
    "libelleVoie2Etablissement,codePostal2Etablissement,libelleCommune2Etablissement,"
    "libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,codeCommune2Etablissement,"
    "codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement,activitePrincipaleNAF25Etablissement"
).split(",")
UNIT_COLUMNS = (
    "siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,dateCreationUniteLegale,sigleUniteLegale,"
    "sexeUniteLegale,prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,prenom4UniteLegale,"
    "prenomUsuelUniteLegale,pseudonymeUniteLegale,identifiantAssociationUniteLegale,trancheEffectifsUniteLegale,"
    "anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,nombrePeriodesUniteLegale,categorieEntreprise,"
    "anneeCategorieEntreprise,dateDebut,etatAdministratifUniteLegale,nomUniteLegale,nomUsageUniteLegale,"
    "denominationUniteLegale,denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,"
    "denominationUsuelle3UniteLegale,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,"
    "nomenclatureActivitePrincipaleUniteLegale,nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale,"
    "societeMissionUniteLegale,caractereEmployeurUniteLegale,activitePrincipaleNAF25UniteLegale"
).split(",")
ACTIVITIES = ["62.01Z", "70.22Z", "47.11B", "41.20A", "56.10A", "10.71C", "84.11Z", "86.21Z"]
BANDS = ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", ""]
TOWNS = [("75002", "PARIS", "75102"), ("69007", "LYON", "69387"), ("13002", "MARSEILLE", "13202"),
         ("33000", "BORDEAUX", "33063"), ("59000", "LILLE", "59350"), ("31000", "TOULOUSE", "31555")]


def units_and_establishments(establishments, rng):
    """(unit row, [establishment rows]) until `establishments` establishments are written."""
    written = 0
    siren = 300000000
    while written < establishments:
        siren += 1
        person = rng.random() < 0.2
        private = rng.random() < 0.05
        activity = rng.choice(ACTIVITIES)
        unit = dict.fromkeys(UNIT_COLUMNS, "")
        unit.update({
            "siren": str(siren), "statutDiffusionUniteLegale": "P" if private else "O",
            "dateCreationUniteLegale": f"{rng.randint(1950, 2025)}-{rng.randint(1, 12):02d}-01",
            "trancheEffectifsUniteLegale": "NN", "dateDernierTraitementUniteLegale": "2025-12-04T10:21:37",
            "nombrePeriodesUniteLegale": "2", "dateDebut": "2019-01-01", "etatAdministratifUniteLegale": "A",
            "categorieJuridiqueUniteLegale": "1000" if person else "5710", "activitePrincipaleUniteLegale": activity,
            "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2", "nicSiegeUniteLegale": "00011",
            "caractereEmployeurUniteLegale": "N",
        })
        if person:
            unit.update(sexeUniteLegale="M", prenom1UniteLegale="JEAN", nomUniteLegale=f"EXEMPLE{siren}")
        else:
            unit["denominationUniteLegale"] = f"SOCIETE EXEMPLE {siren}"
        rows = []
        for index in range(1 + rng.choice((0, 0, 1, 2))):
            postcode, town, commune = rng.choice(TOWNS)
            nic = f"{11 + 8 * index:05d}"
            row = dict.fromkeys(ESTABLISHMENT_COLUMNS, "")
            row.update({
                "siren": str(siren), "nic": nic, "siret": f"{siren}{nic}",
                "statutDiffusionEtablissement": "P" if private else "O", "dateCreationEtablissement": "2011-03-15",
                "trancheEffectifsEtablissement": rng.choice(BANDS),
                "dateDernierTraitementEtablissement": "2025-12-04T10:21:37",
                "etablissementSiege": "true" if index == 0 else "false", "nombrePeriodesEtablissement": "1",
                "numeroVoieEtablissement": str(rng.randint(1, 200)), "typeVoieEtablissement": "RUE",
                "libelleVoieEtablissement": "DE LA REPUBLIQUE", "codePostalEtablissement": postcode,
                "libelleCommuneEtablissement": town, "codeCommuneEtablissement": commune, "dateDebut": "2019-01-01",
                "etatAdministratifEtablissement": "F" if rng.random() < 0.1 else "A",
                "activitePrincipaleEtablissement": activity, "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
                "caractereEmployeurEtablissement": "N",
            })
            rows.append(row)
        written += len(rows)
        yield unit, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("establishments", type=int)
    parser.add_argument("output_dir")
    args = parser.parse_args()
    rng = random.Random(17)
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "StockEtablissement_utf8.csv"), "w", encoding="utf-8",
              newline="") as establishments_file, \
            open(os.path.join(args.output_dir, "StockUniteLegale_utf8.csv"), "w", encoding="utf-8",
                 newline="") as units_file:
        establishments = csv.writer(establishments_file, lineterminator="\n")
        units = csv.writer(units_file, lineterminator="\n")
        establishments.writerow(ESTABLISHMENT_COLUMNS)
        units.writerow(UNIT_COLUMNS)
        for unit, rows in units_and_establishments(args.establishments, rng):
            units.writerow([unit[column] for column in UNIT_COLUMNS])
            establishments.writerows([row[column] for column in ESTABLISHMENT_COLUMNS] for row in rows)


if __name__ == "__main__":
    main()
