"""France, INSEE: the SIRENE stock files (data.gouv.fr, *Base Sirene des
entreprises et de leurs établissements*), monthly.

Two CSV files joined by ``siren``: ``StockEtablissement`` (one row per
establishment: address, activity, size, open or closed) and
``StockUniteLegale`` (one row per legal unit: name, legal category,
diffusion status). Only the **headquarters** (``etablissementSiege``) is
imported: the directory holds companies, and a lead is a company, not each
of its shops. The register number is the SIREN.

GDPR: legal units that are natural persons (legal category 1000,
*entrepreneur individuel*) and units or establishments whose data may not be
diffused (``statutDiffusion… = P``, formerly ``N``) are never imported.
Odoo 17 has no French states: the state stays empty.
"""
from .base import DIGITS, MAX_INTEGER, RegisterAdapter, RowSql, digits_only, iso_date, only_chars, trimmed

NATURAL_PERSON_CATEGORY = "1000"
NON_DIFFUSIBLE = {"P", "N"}
# trancheEffectifs… codes: the band's lower bound (NN or blank: unknown).
EMPLOYEE_BANDS = {
    "00": 0, "01": 1, "02": 3, "03": 6, "11": 10, "12": 20, "21": 50, "22": 100, "31": 200, "32": 250,
    "41": 500, "42": 1000, "51": 2000, "52": 5000, "53": 10000,
}
# The commonest legal categories (INSEE's level III codes) by the name
# every French reader knows; the others keep their 4-digit code.
LEGAL_FORMS = {
    "5710": "SAS", "5720": "SASU", "5499": "SARL", "5498": "EURL", "5599": "SA", "5699": "SA",
    "5202": "SNC", "6540": "SCI", "6599": "Société civile", "5306": "SCS", "5308": "SCA", "5385": "SELAS",
    "5485": "SELARL", "9220": "Association déclarée",
}
# The band's upper bound, staged as `employees_max`: "00" (no employee) is an
# exact figure (none); "53" (10,000 and more) is open (MAX_INTEGER).
EMPLOYEE_BAND_MAX = {
    "01": 2, "02": 5, "03": 9, "11": 19, "12": 49, "21": 99, "22": 199, "31": 249, "32": 499,
    "41": 999, "42": 1999, "51": 4999, "52": 9999, "53": MAX_INTEGER,
}
# Activity codes of older nomenclatures (NAFRev1, NAF1993...) reuse the same
# division numbers for other activities: only NAF rév. 2 is mapped.
MAPPED_NOMENCLATURE = "NAFRev2"


class SireneAdapter(RegisterAdapter):
    code = "fr_sirene"
    label = "INSEE SIRENE (France)"
    country_code = "FR"
    classification = "nace2"   # NAF rév. 2 refines NACE Rev. 2: same divisions
    # The SIREN, the SIRET (SIREN + 5 digits) or the VAT number "FR" + key + SIREN.
    registry_number_sql = r"""substring(regexp_replace(p.company_registry, '[\s.-]', '', 'g') from '^(\d{9})(\d{5})?$')"""
    vat_number_sql = r"""substring(upper(regexp_replace(p.vat, '[\s.-]', '', 'g')) from '^FR[0-9A-Z]{2}(\d{9})$')"""
    download_url = "https://www.data.gouv.fr/fr/datasets/base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/"
    number_column = "siren"
    complete_file_names = r"^StockEtablissement(_utf8)?(\.|$)"   # not ...Historique, ...LiensSuccession
    complete_unit_file_names = r"^StockUniteLegale(_utf8)?(\.|$)"
    # The lengths of INSEE's description of the stock files, for the columns read.
    field_lengths = {
        "siren": 9, "siret": 14, "codePostalEtablissement": 5, "libelleVoieEtablissement": 100,
        "libelleCommuneEtablissement": 100, "activitePrincipaleEtablissement": 6,
    }
    unit_field_lengths = {
        "siren": 9, "denominationUniteLegale": 120, "denominationUsuelle1UniteLegale": 70, "sigleUniteLegale": 20,
        "categorieJuridiqueUniteLegale": 4,
    }
    required_columns = (
        "siren", "siret", "statutDiffusionEtablissement", "trancheEffectifsEtablissement", "etablissementSiege",
        "numeroVoieEtablissement", "typeVoieEtablissement", "libelleVoieEtablissement", "codePostalEtablissement",
        "libelleCommuneEtablissement", "etatAdministratifEtablissement", "activitePrincipaleEtablissement",
    )
    unit_required_columns = (
        "siren", "statutDiffusionUniteLegale", "dateCreationUniteLegale", "etatAdministratifUniteLegale",
        "denominationUniteLegale", "categorieJuridiqueUniteLegale",
    )

    def company_sql(self, col):
        # The numbers are checked on every establishment, branches included.
        number, siret = f"btrim({col('siren')})", f"btrim({col('siret')})"
        headquarters = f"lower(btrim({col('etablissementSiege')})) = 'true'"
        number_ok = only_chars(number, DIGITS, 9)
        good_siret = f"({only_chars(siret, DIGITS, 14)} AND left({siret}, 9) = {number})"
        terms = {"number": number, "siret": siret, "headquarters": headquarters, "number_ok": number_ok,
                 "siret_ok": good_siret}
        band = f"btrim({col('trancheEffectifsEtablissement')})"
        nomenclature = f"btrim({col('nomenclatureActivitePrincipaleEtablissement')})"
        street = ", ".join(trimmed(col(column)) for column in (
            "numeroVoieEtablissement", "indiceRepetitionEtablissement", "typeVoieEtablissement",
            "libelleVoieEtablissement"))
        return RowSql(
            # A branch is no company of its own: its bad row keeps no number.
            number="CASE WHEN t.headquarters AND t.number_ok THEN t.number END",
            checks=[
                ("t.number = ''", "missing_number", "''"),
                ("NOT t.number_ok", "bad_number", "t.number"),
                ("NOT t.siret_ok", "bad_siret", "t.siret"),
            ],
            branch="NOT t.headquarters",
            # Left out, but only once its legal unit is known: a reason of
            # the unit (a natural person) comes first.
            values={
                "register_number": "t.number",
                "street": f"NULLIF(concat_ws(' ', {street}), '')",
                "city": trimmed(col("libelleCommuneEtablissement")),
                "zip": trimmed(col("codePostalEtablissement")),
                "country_code": f"'{self.country_code}'",
                "industry_code": f"CASE WHEN {nomenclature} IN ('{MAPPED_NOMENCLATURE}', '') THEN "
                                 f"{digits_only(col('activitePrincipaleEtablissement'))} END",
                "employees": "CASE {} {} END".format(band, " ".join(
                    f"WHEN '{code}' THEN {employees}" for code, employees in EMPLOYEE_BANDS.items())),
                "employees_max": "CASE {} {} END".format(band, " ".join(
                    f"WHEN '{code}' THEN {employees}" for code, employees in EMPLOYEE_BAND_MAX.items())),
                "exclusion": f"""CASE WHEN upper(btrim({col('statutDiffusionEtablissement')}))
                                           IN ({", ".join(f"'{flag}'" for flag in sorted(NON_DIFFUSIBLE))})
                                      THEN 'non_diffusible'
                                      WHEN upper(btrim({col('etatAdministratifEtablissement')})) = 'F' THEN 'closed' END""",
            },
            # Most establishments are branches: only the headquarters and the
            # bad rows are worth staging.
            keep=f"{headquarters} OR NOT {number_ok} OR NOT {good_siret}",
            terms=terms,
        )

    def unit_sql(self, col):
        number = f"btrim({col('siren')})"
        name = (f"COALESCE({trimmed(col('denominationUniteLegale'))}, {trimmed(col('denominationUsuelle1UniteLegale'))}, "
                f"{trimmed(col('sigleUniteLegale'))})")
        # A cheap test first: the regular expression on the few candidates.
        liquidation = (f"CASE WHEN strpos(upper({name}), 'LIQUIDATION') > 0 "
                       f"THEN {name} ~* '\\yEN LIQUIDATION\\y' ELSE FALSE END")
        category = trimmed(col("categorieJuridiqueUniteLegale"))
        terms = {"number": number, "number_ok": only_chars(number, DIGITS, 9), "name": name,
                 "founded": iso_date(col("dateCreationUniteLegale")), "liquidation": liquidation}
        return RowSql(
            number="CASE WHEN t.number_ok THEN t.number END",
            checks=[("NOT t.number_ok", "bad_number", "t.number")],
            terms=terms,
            values={
                "register_number": "t.number",
                "name": "t.name",
                "founded_year": "date_part('year', t.founded)::int",
                "founded_date": "t.founded",
                "legal_form": "CASE {} ELSE {} END".format(" ".join(
                    f"WHEN {category} = '{code}' THEN '{name}'" for code, name in LEGAL_FORMS.items()), category),
                "exclusion": f"""CASE WHEN btrim({col('categorieJuridiqueUniteLegale')}) = '{NATURAL_PERSON_CATEGORY}'
                                      THEN 'natural_person'
                                      WHEN upper(btrim({col('statutDiffusionUniteLegale')}))
                                           IN ({", ".join(f"'{flag}'" for flag in sorted(NON_DIFFUSIBLE))})
                                      THEN 'non_diffusible'
                                      WHEN upper(btrim({col('etatAdministratifUniteLegale')})) = 'C' THEN 'closed' END""",
                # SIRENE publishes no insolvency proceedings; a company being
                # wound up carries "en liquidation" in its name (Code de
                # commerce, L237-2), which INSEE records as a new period of
                # the unit (its dateDebut).
                "register_status": "CASE WHEN t.liquidation THEN 'winding_up' END",
                "register_status_date": f"CASE WHEN t.liquidation THEN {iso_date(col('dateDebut'))} END",
            },
        )
