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
import re

from .base import BadRow, RegisterAdapter, RegisterCompany

NATURAL_PERSON_CATEGORY = "1000"
NON_DIFFUSIBLE = {"P", "N"}
# trancheEffectifs… codes: the band's lower bound (NN or blank: unknown).
EMPLOYEE_BANDS = {
    "00": 0, "01": 1, "02": 3, "03": 6, "11": 10, "12": 20, "21": 50, "22": 100, "31": 200, "32": 250,
    "41": 500, "42": 1000, "51": 2000, "52": 5000, "53": 10000,
}
# Activity codes of older nomenclatures (NAFRev1, NAF1993...) reuse the same
# division numbers for other activities: only NAF rév. 2 is mapped.
MAPPED_NOMENCLATURE = "NAFRev2"
_SIREN_RE = re.compile(r"^\d{9}$")
_SIRET_RE = re.compile(r"^\d{14}$")
_DATE_RE = re.compile(r"^(\d{4})-\d{2}-\d{2}$")
# SIRENE publishes no insolvency proceedings; a company being wound up
# carries "en liquidation" in its name (Code de commerce, L237-2), which
# INSEE records as a new period of the unit (its dateDebut).
_LIQUIDATION_RE = re.compile(r"\bEN LIQUIDATION\b", re.IGNORECASE)


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

    def row_number(self, row):
        # A branch is no company of its own: its bad row keeps no number.
        return super().row_number(row) if row.get("etablissementSiege", "").strip().lower() == "true" else None

    def parse_row(self, row):
        # The numbers are checked on every establishment, branches included.
        number = row["siren"].strip()
        if not number:
            raise BadRow("missing_number")
        if not _SIREN_RE.match(number):
            raise BadRow("bad_number", number)
        headquarters = row["etablissementSiege"].strip().lower() == "true"
        siret = row["siret"].strip()
        if not _SIRET_RE.match(siret) or not siret.startswith(number):
            raise BadRow("bad_siret", siret, register_number=number if headquarters else None)
        if not headquarters:
            return None   # a branch: its company comes with its headquarters
        # Left out, but only once its legal unit is known: a reason of the
        # unit (a natural person) comes first.
        exclusion = None
        if row["statutDiffusionEtablissement"].strip().upper() in NON_DIFFUSIBLE:
            exclusion = "non_diffusible"
        elif row["etatAdministratifEtablissement"].strip().upper() == "F":
            exclusion = "closed"
        band = row["trancheEffectifsEtablissement"].strip()
        industry = None
        if row.get("nomenclatureActivitePrincipaleEtablissement", MAPPED_NOMENCLATURE).strip() in (
                MAPPED_NOMENCLATURE, ""):
            industry = re.sub(r"\D", "", row["activitePrincipaleEtablissement"]) or None
        street = " ".join(part for part in (
            row["numeroVoieEtablissement"].strip(), row.get("indiceRepetitionEtablissement", "").strip(),
            row["typeVoieEtablissement"].strip(), row["libelleVoieEtablissement"].strip(),
        ) if part)
        return RegisterCompany(
            register_number=number,
            name=None,          # from the legal unit
            street=street or None,
            city=row["libelleCommuneEtablissement"].strip() or None,
            zip=row["codePostalEtablissement"].strip() or None,
            state_name=None,    # Odoo 17 has no French states
            country_code=self.country_code,
            industry_code=industry,
            employees=EMPLOYEE_BANDS.get(band),
            domain=None,
            founded_year=None,  # from the legal unit
            exclusion=exclusion,
        )

    def parse_unit_row(self, row):
        """(siren, name, founded year, exclusion reason or None, register
        status or None, its date or None) of a legal unit."""
        number = row["siren"].strip()
        if not _SIREN_RE.match(number):
            raise BadRow("bad_number", number)
        exclusion = None
        if row["categorieJuridiqueUniteLegale"].strip() == NATURAL_PERSON_CATEGORY:
            exclusion = "natural_person"
        elif row["statutDiffusionUniteLegale"].strip().upper() in NON_DIFFUSIBLE:
            exclusion = "non_diffusible"
        elif row["etatAdministratifUniteLegale"].strip().upper() == "C":
            exclusion = "closed"
        name = (row["denominationUniteLegale"].strip() or row.get("denominationUsuelle1UniteLegale", "").strip()
                or row.get("sigleUniteLegale", "").strip())
        founded = _DATE_RE.match(row["dateCreationUniteLegale"].strip())
        status = status_date = None
        if name and _LIQUIDATION_RE.search(name):
            status = "winding_up"
            status_date = row.get("dateDebut", "").strip() if _DATE_RE.match(row.get("dateDebut", "").strip()) else None
        return number, name or None, int(founded.group(1)) if founded else None, exclusion, status, status_date
