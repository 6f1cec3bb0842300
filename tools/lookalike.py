"""Lookalike ranking: the attributes a directory company is compared on,
the profile key that groups the companies sharing all of them, and the
model learned from won and lost deals.

The model is naive: a weight per attribute value, summed over the
attributes. The weight is how much more often the value is found in won
deals than in the directory (log of the ratio), less half as much for lost
deals: a lost deal was still a company worth pursuing, so it warns, but
does not cancel what the won ones share. Both frequencies are smoothed
towards the directory's own share of the value, so a value seen in no
deal weighs the same whatever it is (a constant per attribute). A value
fewer than MIN_DEALS deals have counts as one no deal has: otherwise a rare
value (a small state) that one won deal happens to have would outweigh
what all of them share. Nothing here depends on Odoo: the SQL is over the
directory company `c`.
"""
import math

# The directory's profiles: one row per combination of attribute values
# (text, as in `attribute_sql`) with its number of deliverable companies.
PROFILE_TABLE = "crm_iap_lead_directory_profile"
# The profiles in the order of a learned profile (`crm.iap.lead.lookalike`):
# its rank of each, equal scores one rank, computed when it learns, so that
# a request reads the best ones first from an index.
RANK_TABLE = "crm_iap_lead_lookalike_rank"
# Employees (lower bound of each band; the last is open). 0: unknown.
SIZE_BANDS = (0, 10, 50, 200, 1000)
# Founding year (first year of each band; the first takes all before). 0: unknown.
AGE_BANDS = (1990, 2000, 2010, 2015, 2020, 2023)
# How many pseudo-deals the directory's share weighs against the CRM's own.
PRIOR_WEIGHT = 10.0
# Deals (won or lost) a value needs to weigh: fewer is chance.
MIN_DEALS = 3
# What likeness to the lost deals takes off, against the won ones.
LOST_WEIGHT = 0.5
# The smallest share a value is given (one not in the directory at all).
MIN_SHARE = 1e-6
# Values are compared as text (as JSON stores them): these are "not known".
UNKNOWN = ("0", "")
# Scores closer than this are equal: they keep the rotation order.
SCORE_DIGITS = 6


def _bands(expression, bounds):
    """SQL: the 1-based band of `expression` in `bounds`, 0 when NULL."""
    cases = " ".join(f"WHEN {expression} < {bound} THEN {index}" for index, bound in enumerate(bounds[1:], 1))
    return f"CASE WHEN {expression} IS NULL THEN 0 {cases} ELSE {len(bounds)} END"


def attribute_sql(alias="c."):
    """{attribute: SQL of its value}, never NULL (0 or '': unknown), over
    the directory company columns prefixed with `alias`. The order is the
    profile key's."""
    return {
        "industry": f"COALESCE({alias}industry_id, 0)",
        "size": _bands(f"{alias}employees", SIZE_BANDS),
        "country": f"{alias}country_id",
        "state": f"COALESCE({alias}state_id, 0)",
        "age": _bands(f"{alias}founded_year", (0,) + AGE_BANDS),
        "legal_form": f"COALESCE({alias}legal_form, '')",
    }


ATTRIBUTES = tuple(attribute_sql())


def profile_key_sql(alias="c."):
    """SQL: a 64-bit key of the company's attribute values, the same for every
    company of one profile. Immutable: it is a generated column."""
    parts = " || '|' || ".join(f"({sql})::text" for sql in attribute_sql(alias).values())
    return f"hashtextextended({parts}, 0)"


def size_band_label(band):
    """'10-49', '1000+', or None (unknown)."""
    if not band:
        return None
    low = SIZE_BANDS[band - 1]
    return f"{low}+" if band == len(SIZE_BANDS) else f"{low}-{SIZE_BANDS[band] - 1}"


def age_band_years(band):
    """(first year or None, last year or None) of a founding band, or None (unknown)."""
    if not band:
        return None
    first = AGE_BANDS[band - 2] if band > 1 else None
    last = AGE_BANDS[band - 1] - 1 if band <= len(AGE_BANDS) else None
    return first, last


class LookalikeModel:
    """The weights learned from deal counts.

    :param stats: {attribute: {value: (won, lost)}} of the linked deals
    :param shares: {attribute: {value: share of the directory}}, for the values in `stats`
    :param won: linked won deals; :param lost: linked lost deals
    :param attributes: those that count (all by default)
    """

    def __init__(self, stats, shares, won, lost, attributes=ATTRIBUTES):
        self.stats, self.won, self.lost = stats, won, lost
        self.attributes = tuple(attributes)
        # A value no deal has: its share cancels out of the ratios.
        self.defaults = {attribute: self._weight(0, 0, 1.0) for attribute in self.attributes}
        self.weights = {}
        for attribute in self.attributes:
            self.weights[attribute] = {}
            for value, (won_count, lost_count) in stats.get(attribute, {}).items():
                if won_count + lost_count < MIN_DEALS:
                    continue
                share = max(shares.get(attribute, {}).get(value, 0.0), MIN_SHARE)
                self.weights[attribute][value] = self._weight(won_count, lost_count, share)

    def _weight(self, won_count, lost_count, share):
        """log(frequency among won deals / share) - LOST_WEIGHT * the same for lost ones."""
        def lift(count, total):
            return math.log((count + PRIOR_WEIGHT * share) / (total + PRIOR_WEIGHT) / share)
        return lift(won_count, self.won) - LOST_WEIGHT * lift(lost_count, self.lost)

    def weight(self, attribute, value):
        return self.weights[attribute].get(value, self.defaults[attribute])

    def score(self, values):
        """The score of a company or profile of attribute values {attribute: value}."""
        return round(sum(self.weight(attribute, values[attribute]) for attribute in self.attributes), SCORE_DIGITS)

    def reasons(self, values, limit=3):
        """[(attribute, value, won deals with it)]: what makes a company like
        the won deals, strongest first (values more frequent among won than
        lost deals, known ones only)."""
        telling = [
            (self.weight(attribute, values[attribute]), attribute, values[attribute])
            for attribute in self.attributes
            if values[attribute] not in UNKNOWN and self.weight(attribute, values[attribute]) > max(self.defaults[attribute], 0)
        ]
        telling.sort(key=lambda item: -item[0])
        return [(attribute, value, self.stats[attribute][value][0]) for _weight, attribute, value in telling[:limit]]

    def strongest(self, limit=5):
        """[(attribute, value, won, lost)]: the values that tell most, for the request's summary."""
        items = [
            (weight, attribute, value) for attribute in self.attributes
            for value, weight in self.weights[attribute].items()
            if value not in UNKNOWN and weight > max(self.defaults[attribute], 0)
        ]
        items.sort(key=lambda item: -item[0])
        return [(attribute, value, *self.stats[attribute][value]) for _weight, attribute, value in items[:limit]]
