"""The technologies the company directory holds, offered by the technology
filter of the Generate Leads dialog (directory provider only).

A directory company lists its technologies in one text (`technologies`,
separated by commas or semicolons). The filter and this list compare
normalised names, in lower case without the spaces around them, computed in
SQL by `technologies_sql` (the same expression as the directory's GIN index).
The list is refreshed from the directory in SQL by a scheduled job, daily and
soon after the ORM changes the technologies of directory companies; a
technology no company holds any more is archived, so that requests keep it."""
from odoo import api, fields, models

# Text to array: lower case, split on commas and semicolons with the spaces
# around them; the spaces, tabs and line ends around the whole text trimmed.
_TECHNOLOGIES_SQL = "regexp_split_to_array(lower(btrim({column}, E' \\t\\r\\n')), '\\s*[,;]\\s*')"


def technologies_sql(column):
    """SQL: the normalised technology names of a directory company's text
    column, as an array (the expression of the directory's GIN index)."""
    return _TECHNOLOGIES_SQL.format(column=column)


class CrmIapLeadTechnology(models.Model):
    _name = "crm.iap.lead.technology"
    _description = "Directory Technology"
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    company_count = fields.Integer(
        string="Companies", readonly=True,
        help="Deliverable companies of the directory (of every company of the database) that use it.",
    )
    active = fields.Boolean(default=True, readonly=True)

    _sql_constraints = [("name_uniq", "unique (name)", "This technology is already listed.")]

    @api.model
    def _refresh(self):
        """Read the technologies of the deliverable directory companies and
        list them (new ones added, counts updated, those no company holds
        any more archived): three statements, whatever the directory's size."""
        self.env.flush_all()
        cr = self.env.cr
        # pylint: disable-next=sql-injection  # a constant expression
        cr.execute(f"""
            CREATE TEMP TABLE crm_iap_lead_technology_found ON COMMIT DROP AS
            SELECT name, count(DISTINCT id) AS company_count
              FROM (SELECT c.id, unnest({technologies_sql("c.technologies")}) AS name
                      FROM crm_iap_lead_directory_company c
                     WHERE c.active AND c.register_status IS NULL AND c.technologies IS NOT NULL) t
             WHERE name <> ''
             GROUP BY name
        """)
        cr.execute("""
            INSERT INTO crm_iap_lead_technology (name, company_count, active, create_uid, create_date,
                                                 write_uid, write_date)
            SELECT name, company_count, TRUE, %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM crm_iap_lead_technology_found
                ON CONFLICT (name) DO UPDATE SET company_count = EXCLUDED.company_count, active = TRUE,
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
             WHERE (crm_iap_lead_technology.company_count, crm_iap_lead_technology.active)
                   IS DISTINCT FROM (EXCLUDED.company_count, TRUE)
        """, {"uid": self.env.uid})
        cr.execute("""
            UPDATE crm_iap_lead_technology t
               SET active = FALSE, company_count = 0, write_uid = %s, write_date = now() at time zone 'UTC'
             WHERE t.active AND NOT EXISTS (SELECT 1 FROM crm_iap_lead_technology_found f WHERE f.name = t.name)
        """, [self.env.uid])
        cr.execute("DROP TABLE crm_iap_lead_technology_found")
        self.invalidate_model()

    @api.model
    def _cron_refresh(self):
        self.sudo()._refresh()

    @api.model
    def _trigger_refresh(self):
        """Refresh the list soon (the directory's technologies changed)."""
        cron = self.env.ref("crm_iap_mine.ir_cron_refresh_technologies", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
