"""*Most like my won deals*: what the won and lost opportunities of a
company (or of one of its sales teams) have in common, learned from the
directory companies they are linked to (tools/lookalike.py has the model).

A learned profile is kept per company and team, and learned again when it
is older than a day or on demand. The directory's profiles (one row per
combination of attribute values, with its number of companies) are kept in
a table of their own, refreshed with it, so that the picking ranks
combinations, not each company."""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import formatLang

from .crm_iap_lead_provider_directory import PROVIDER as DIRECTORY
from ..tools.lookalike import (
    ATTRIBUTES, PROFILE_TABLE, RANK_TABLE, SCORE_DIGITS, UNKNOWN, LookalikeModel, age_band_years, attribute_sql, size_band_label,
)

MAX_AGE = timedelta(days=1)
MIN_WON_PARAM = "crm_iap_mine.lookalike_min_won_deals"
MIN_WON_DEFAULT = 10
# When the profiles were last counted (UTC, ISO format).
PROFILES_DATE_PARAM = "crm_iap_mine.directory_profiles_date"
# The directory company of an opportunity: its own confirmed link, else its
# customer's (the contact, then its company), else the company it was mined
# from. Over the lead `l` and its partner `p`.
DEAL_COMPANY_SQL = r"""COALESCE(
    (SELECT k.directory_company_id FROM crm_iap_lead_directory_link k
      WHERE k.lead_id = l.id AND k.state = 'linked' LIMIT 1),
    (SELECT k.directory_company_id FROM crm_iap_lead_directory_link k
      WHERE k.partner_id IN (p.id, p.commercial_partner_id) AND k.state = 'linked'
      ORDER BY k.partner_id = p.id DESC LIMIT 1),
    CASE WHEN l.reveal_id ~ '^directory-\d{1,9}$' THEN substr(l.reveal_id, 11)::int END)"""


class CrmIapLeadLookalike(models.Model):
    _name = "crm.iap.lead.lookalike"
    _description = "Lookalike Profile"
    _order = "learned_date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, ondelete="cascade")
    learned_date = fields.Datetime(string="Learned On", readonly=True)
    won_count = fields.Integer(string="Won Deals", readonly=True,
                               help="Won opportunities linked to a directory company.")
    lost_count = fields.Integer(string="Lost Deals", readonly=True,
                                help="Lost opportunities (archived, probability 0) linked to a directory company.")
    unlinked_count = fields.Integer(string="Deals Not Linked", readonly=True,
                                    help="Won or lost opportunities linked to no directory company: left out.")
    # {attribute: {value: [won, lost]}} and {attribute: {value: share of the directory}}.
    stats = fields.Json(readonly=True)
    shares = fields.Json(readonly=True)

    def init(self):
        # pylint: disable-next=sql-injection  # the module's own SQL
        self.env.cr.execute(f"""
            CREATE UNIQUE INDEX IF NOT EXISTS crm_iap_lead_lookalike_company_team_uniq
                ON crm_iap_lead_lookalike (company_id, COALESCE(team_id, 0));
            CREATE TABLE IF NOT EXISTS {PROFILE_TABLE} (
                profile_key bigint PRIMARY KEY, industry varchar NOT NULL, size varchar NOT NULL,
                country varchar NOT NULL, state varchar NOT NULL, age varchar NOT NULL,
                legal_form varchar NOT NULL, company_count integer NOT NULL);
            CREATE TABLE IF NOT EXISTS {RANK_TABLE} (
                lookalike_id integer NOT NULL REFERENCES crm_iap_lead_lookalike (id) ON DELETE CASCADE,
                rank integer NOT NULL, profile_key bigint NOT NULL, country varchar NOT NULL,
                state varchar NOT NULL, industry varchar NOT NULL, company_count integer NOT NULL);
            CREATE INDEX IF NOT EXISTS {RANK_TABLE}_order_idx ON {RANK_TABLE} (lookalike_id, rank);
        """)

    # ------------------------------------------------------------------
    # Learning
    # ------------------------------------------------------------------

    @api.model
    def _current(self, company, team=None, refresh=False):
        """The learned profile of `company` (or of its sales `team`), learned
        again when older than a day or when `refresh`."""
        team = team or self.env["crm.team"]
        found = self.sudo().search([("company_id", "=", company.id), ("team_id", "=", team.id or False)], limit=1)
        if not found:
            found = self.sudo().create({"company_id": company.id, "team_id": team.id or False})
        if refresh or not found.learned_date or found.learned_date < fields.Datetime.now() - MAX_AGE:
            found._learn(refresh_profiles=refresh)
        return found.sudo(False)

    @api.model
    def _cron_learn(self):
        """Count the directory's profiles when they are out of date (a day
        old, or older than the last register import), and learn again the
        profiles older than a day: requests seldom have to wait for either."""
        counted = self._profiles_out_of_date() and self._refresh_profiles()
        # Ranks are of one count of the profiles: after a new one, all learn again.
        domain = [] if counted else [("learned_date", "<", fields.Datetime.now() - MAX_AGE)]
        for profile in self.sudo().search(domain):
            profile._learn()

    def _learn(self, refresh_profiles=False):
        """Count the won and lost deals by attribute value, in SQL. The
        directory's profiles are counted first when asked, or never were
        (the daily job counts them otherwise: a big directory takes seconds)."""
        self.ensure_one()
        if refresh_profiles or not self.env["ir.config_parameter"].sudo().get_param(PROFILES_DATE_PARAM):
            self._refresh_profiles()
        self.env.flush_all()
        cr = self.env.cr
        attributes = attribute_sql("c.")
        team = "AND l.team_id = %(team)s" if self.team_id else ""
        # pylint: disable-next=sql-injection  # the module's own SQL
        cr.execute(f"""
            CREATE TEMP TABLE crm_iap_lookalike_deals ON COMMIT DROP AS
            SELECT deal.won, {", ".join(f"({sql})::text AS {name}" for name, sql in attributes.items())},
                   c.id IS NULL AS unlinked
              FROM (SELECT l.active AS won, {DEAL_COMPANY_SQL} AS directory_company_id
                      FROM crm_lead l
                      LEFT JOIN crm_stage s ON s.id = l.stage_id
                      LEFT JOIN res_partner p ON p.id = l.partner_id
                     WHERE l.type = 'opportunity' AND l.company_id = %(company)s {team}
                       AND ((l.active AND s.is_won) OR (NOT l.active AND l.probability = 0))) deal
              LEFT JOIN crm_iap_lead_directory_company c ON c.id = deal.directory_company_id
        """, {"company": self.company_id.id, "team": self.team_id.id})
        cr.execute("""
            SELECT count(*) FILTER (WHERE won AND NOT unlinked), count(*) FILTER (WHERE NOT won AND NOT unlinked),
                   count(*) FILTER (WHERE unlinked)
              FROM crm_iap_lookalike_deals
        """)
        won, lost, unlinked = cr.fetchone()
        # pylint: disable-next=sql-injection  # the module's own SQL
        cr.execute(" UNION ALL ".join(
            f"""SELECT '{name}', {name}, count(*) FILTER (WHERE won), count(*) FILTER (WHERE NOT won)
                  FROM crm_iap_lookalike_deals WHERE NOT unlinked GROUP BY {name}"""
            for name in ATTRIBUTES))
        stats = {name: {} for name in ATTRIBUTES}
        for name, value, won_count, lost_count in cr.fetchall():
            stats[name][value] = [won_count, lost_count]
        cr.execute("DROP TABLE crm_iap_lookalike_deals")
        # The directory's share of each value the deals have.
        # pylint: disable-next=sql-injection  # the module's own SQL
        cr.execute(f"SELECT COALESCE(sum(company_count), 0) FROM {PROFILE_TABLE}")
        total = cr.fetchone()[0] or 1
        shares = {name: {} for name in ATTRIBUTES}
        # pylint: disable-next=sql-injection  # the module's own SQL
        cr.execute(" UNION ALL ".join(
            f"""SELECT '{name}', {name}, sum(company_count) FROM {PROFILE_TABLE}
                 WHERE {name} = ANY(%s) GROUP BY {name}"""
            for name in ATTRIBUTES), [list(stats[name]) for name in ATTRIBUTES])
        for name, value, count in cr.fetchall():
            shares[name][value] = float(count) / float(total)
        self.write({"learned_date": fields.Datetime.now(), "won_count": won, "lost_count": lost,
                    "unlinked_count": unlinked, "stats": stats, "shares": shares})
        self._rank_profiles(self._model())

    def _rank_profiles(self, model):
        """Rank the directory's profiles by the score `model` gives them."""
        self.ensure_one()
        score_sql, params = self._profile_scores_sql(model)
        # pylint: disable-next=sql-injection  # the module's own SQL
        self.env.cr.execute(f"""
            DELETE FROM {RANK_TABLE} WHERE lookalike_id = %(lookalike)s;
            INSERT INTO {RANK_TABLE} (lookalike_id, rank, profile_key, country, state, industry, company_count)
            SELECT %(lookalike)s, dense_rank() OVER (ORDER BY score DESC) - 1, profile_key, country, state,
                   industry, company_count
              FROM (SELECT p.*, {score_sql} AS score FROM {PROFILE_TABLE} p) p;
        """, dict(params, lookalike=self.id))

    @api.model
    def _profiles_out_of_date(self):
        """Whether the profiles were counted more than a day ago, before the
        last register import was done, or never."""
        counted = self.env["ir.config_parameter"].sudo().get_param(PROFILES_DATE_PARAM)
        if not counted:
            return True
        self.env.cr.execute("SELECT max(write_date) FROM crm_iap_lead_register_import WHERE state = 'done'")
        imported = self.env.cr.fetchone()[0]
        counted_date = fields.Datetime.to_datetime(counted)
        return counted_date < fields.Datetime.now() - MAX_AGE or bool(imported and imported > counted_date)

    @api.model
    def _refresh_profiles(self):
        """Count the directory's deliverable companies by profile. One
        transaction at a time does it; the others keep the count they see."""
        params = self.env["ir.config_parameter"].sudo()
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [PROFILE_TABLE])
        if not self.env.cr.fetchone()[0]:
            return False
        self.env["crm.iap.lead.directory.company"].flush_model()
        attributes = attribute_sql("c.")
        # pylint: disable-next=sql-injection  # the module's own SQL
        self.env.cr.execute(f"""
            DELETE FROM {PROFILE_TABLE};
            INSERT INTO {PROFILE_TABLE} (profile_key, {", ".join(attributes)}, company_count)
            SELECT c.profile_key, {", ".join(f"({sql})::text" for sql in attributes.values())}, count(*)
              FROM crm_iap_lead_directory_company c
             WHERE c.active AND c.register_status IS NULL AND c.advertising_protected IS NOT TRUE
             GROUP BY 1, {", ".join(str(index) for index in range(2, len(attributes) + 2))}
            ON CONFLICT DO NOTHING;
            ANALYZE {PROFILE_TABLE};
        """)
        params.set_param(PROFILES_DATE_PARAM, fields.Datetime.to_string(fields.Datetime.now()))
        return True

    # ------------------------------------------------------------------
    # Using it
    # ------------------------------------------------------------------

    def _model(self, attributes=ATTRIBUTES):
        self.ensure_one()
        return LookalikeModel(self.stats or {}, self.shares or {}, self.won_count, self.lost_count, attributes)

    @api.model
    def _min_won(self):
        value = self.env["ir.config_parameter"].sudo().get_param(MIN_WON_PARAM, MIN_WON_DEFAULT)
        try:
            return max(int(value), 1)
        except ValueError:
            return MIN_WON_DEFAULT

    def _unavailable_reason(self):
        """Why *most like my won deals* cannot be offered yet, or False."""
        self.ensure_one()
        needed = self._min_won()
        if self.won_count >= needed:
            return False
        return _(
            "Most like my won deals needs %(needed)s won opportunities linked to a directory company: "
            "%(count)s are. Link more with Match to Directory on your customers and opportunities "
            "(%(unlinked)s won or lost opportunities are not linked).",
            needed=formatLang(self.env, needed, digits=0), count=formatLang(self.env, self.won_count, digits=0),
            unlinked=formatLang(self.env, self.unlinked_count, digits=0),
        )

    def _summary(self):
        """What the profile learned, for the request: its deals and the values that tell most."""
        self.ensure_one()
        head = _(
            "Learned on %(date)s from %(won)s won and %(lost)s lost opportunities linked to the directory "
            "(%(unlinked)s not linked, left out).",
            date=fields.Datetime.to_string(fields.Datetime.context_timestamp(self, self.learned_date))[:16]
            if self.learned_date else "-",
            won=formatLang(self.env, self.won_count, digits=0), lost=formatLang(self.env, self.lost_count, digits=0),
            unlinked=formatLang(self.env, self.unlinked_count, digits=0),
        )
        labels = self._value_labels({(attribute, value) for attribute, value, _won, _lost in self._model().strongest()})
        strongest = [
            _("%(attribute)s: %(won)s of %(won_total)s won, %(lost)s of %(lost_total)s lost",
              attribute=labels[(attribute, value)], won=won, won_total=self.won_count, lost=lost,
              lost_total=self.lost_count) if self.lost_count else
            _("%(attribute)s: %(count)s of your %(total)s won deals",
              attribute=labels[(attribute, value)], count=won, total=self.won_count)
            for attribute, value, won, lost in self._model().strongest()
        ]
        return "\n".join([head] + strongest)

    def _reasons(self, company_ids):
        """{directory company id: the sentence saying why it was picked}."""
        self.ensure_one()
        if not company_ids:
            return {}
        attributes = attribute_sql("c.")
        # pylint: disable-next=sql-injection  # the module's own SQL
        self.env.cr.execute(f"""
            SELECT c.id, {", ".join(f"({sql})::text" for sql in attributes.values())}
              FROM crm_iap_lead_directory_company c WHERE c.id = ANY(%s)
        """, [list(company_ids)])
        model = self._model()
        found = {row[0]: model.reasons(dict(zip(ATTRIBUTES, row[1:]))) for row in self.env.cr.fetchall()}
        labels = self._value_labels({(attribute, value) for reasons in found.values()
                                     for attribute, value, _won in reasons})
        sentences = {}
        for company_id, reasons in found.items():
            if reasons:
                sentences[company_id] = _(
                    "Picked as most like your won deals: %(reasons)s.",
                    reasons="; ".join(_("%(attribute)s: %(count)s of your %(total)s won deals",
                                        attribute=labels[(attribute, value)], count=won, total=self.won_count)
                                      for attribute, value, won in reasons))
        return sentences

    def _value_labels(self, pairs):
        """{(attribute, value): 'industry Capital Goods', 'size 50-199'...} in the user's language."""
        ids = {attribute: [int(value) for name, value in pairs if name == attribute and value not in UNKNOWN]
               for attribute in ("industry", "country", "state")}
        names = {
            "industry": dict(self.env["crm.iap.lead.industry"].browse(ids["industry"]).mapped(lambda r: (r.id, r.name))),
            "country": dict(self.env["res.country"].browse(ids["country"]).mapped(lambda r: (r.id, r.name))),
            "state": dict(self.env["res.country.state"].browse(ids["state"]).mapped(lambda r: (r.id, r.name))),
        }
        labels = {}
        for attribute, value in pairs:
            if attribute in names:
                text = names[attribute].get(int(value), value)
            elif attribute == "size":
                text = _("%(band)s employees", band=size_band_label(int(value)))
            elif attribute == "age":
                first, last = age_band_years(int(value))
                text = (_("before %(year)s", year=last + 1) if first is None
                        else _("%(year)s or later", year=first) if last is None
                        else f"{first}-{last}")
            else:
                text = value
            kind = {"industry": _("industry"), "size": _("size"), "country": _("country"), "state": _("state"),
                    "age": _("founded"), "legal_form": _("legal form")}[attribute]
            labels[(attribute, value)] = f"{kind} {text}"
        return labels

    def _profile_scores_sql(self, model):
        """(SQL expression of a profile's score over the profile table `p`, params)."""
        terms, params = [], {}
        for attribute in model.attributes:
            values = list(model.weights[attribute])
            params[f"{attribute}_values"] = values
            params[f"{attribute}_weights"] = [model.weights[attribute][value] for value in values]
            params[f"{attribute}_default"] = model.defaults[attribute]
            terms.append(f"""COALESCE((%({attribute}_weights)s::float8[])
                                [array_position(%({attribute}_values)s::varchar[], p.{attribute})],
                                %({attribute}_default)s)""")
        return f"round(({' + '.join(terms) or '0'})::numeric, {SCORE_DIGITS})", params

    @api.model
    def _check_can_refresh(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(_("Only sales managers can learn from the won deals again."))


class CrmIapLeadMiningRequest(models.Model):
    _inherit = "crm.iap.lead.mining.request"

    mining_order = fields.Selection(
        [("rotation", "Random rotation"), ("lookalike", "Most like my won deals")],
        string="Order", required=True, default="rotation",
        help="Random rotation: the least delivered companies first, in a random order. "
        "Most like my won deals: first the companies that share the most with the directory companies of "
        "your won opportunities, and the least with those of your lost ones (industry, size, country, state, "
        "founding year, legal form).",
    )
    lookalike_team_id = fields.Many2one(
        "crm.team", string="Learn From", domain="[('company_id', 'in', [company_id, False])]",
        help="Learn from the won and lost opportunities of this sales team. Empty: of the whole company.",
    )
    lookalike_summary = fields.Text(compute="_compute_lookalike")
    lookalike_unavailable = fields.Char(compute="_compute_lookalike")

    def _lookalike_applies(self):
        return self.mining_order == "lookalike" and self.provider == DIRECTORY

    def _lookalike_profile(self, refresh=False):
        self.ensure_one()
        return self.env["crm.iap.lead.lookalike"]._current(self.company_id, self.lookalike_team_id, refresh=refresh)

    @api.depends("mining_order", "provider", "company_id", "lookalike_team_id")
    def _compute_lookalike(self):
        for request in self:
            profile = request._lookalike_applies() and request.company_id and request._lookalike_profile()
            request.lookalike_unavailable = profile and profile._unavailable_reason()
            request.lookalike_summary = profile and profile._summary()

    def action_refresh_lookalike(self):
        """Learn from the won deals again now (and count the directory's profiles)."""
        self.env["crm.iap.lead.lookalike"]._check_can_refresh()
        for request in self:
            request._lookalike_profile(refresh=True)
        return True

    def _check_submittable(self):
        result = super()._check_submittable()
        for request in self.filtered(lambda request: request._lookalike_applies()):
            reason = request._lookalike_profile()._unavailable_reason()
            if reason:
                raise ValidationError(reason)
        return result

    def _lookalike_ranking(self):
        """The ranking of the directory engine (`DirectorySearch.ranking`):
        the id of the learned profile, or None."""
        if not self._lookalike_applies():
            return None
        return self._lookalike_profile().id

    def _lookalike_reasons(self, company_ids):
        """{directory company id: why it was picked}, empty in rotation."""
        if not self._lookalike_applies():
            return {}
        return self._lookalike_profile()._reasons(company_ids)
