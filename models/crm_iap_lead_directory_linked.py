"""Partners and leads linked to their directory company: the link shown on
the record, its actions (match, confirm, reject, remove) and the free
enrichment from the directory."""
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.registers import ADAPTERS
from .crm_iap_lead_directory_link import EVIDENCES, LINK_STATES

SIZE_BANDS = [
    ("1", "1-10"), ("11", "11-50"), ("51", "51-200"), ("201", "201-500"),
    ("501", "501-1,000"), ("1001", "1,001-5,000"), ("5001", "5,001 or more"),
]
# The address is filled as a whole or not at all: never half of one.
ADDRESS_FIELDS = ("street", "city", "zip", "state_id")


class CrmIapLeadDirectoryLinked(models.AbstractModel):
    _name = "crm.iap.lead.directory.linked"
    _description = "Linked to the Directory"
    # "partner" or "lead": which column of the link holds the record.
    _directory_kind = None

    directory_link_id = fields.Many2one(
        "crm.iap.lead.directory.link", compute="_compute_directory_link_id",
        groups="sales_team.group_sale_salesman",
    )
    # Computed with the link, not related to it: a related field would make
    # every change of a link search the records by this non-stored field.
    directory_company_id = fields.Many2one(
        "crm.iap.lead.directory.company", compute="_compute_directory_link_id",
        groups="sales_team.group_sale_salesman",
    )
    directory_link_state = fields.Selection(
        LINK_STATES, string="Directory Link Status", compute="_compute_directory_link_id", groups="sales_team.group_sale_salesman",
    )
    directory_link_evidence = fields.Selection(
        EVIDENCES, string="Linked By", compute="_compute_directory_link_id", groups="sales_team.group_sale_salesman",
    )
    directory_link_value = fields.Char(
        string="Matched On", compute="_compute_directory_link_id", groups="sales_team.group_sale_salesman",
    )
    company_employees = fields.Integer(string="Employees", help="The company's number of employees.")
    company_size_band = fields.Selection(
        SIZE_BANDS, string="Size", compute="_compute_company_size_band", store=True,
        help="The company's size band, from its number of employees.",
    )
    company_founded_date = fields.Date(string="Founded On", help="The company's date of incorporation.")

    def _compute_directory_link_id(self):
        column = self._directory_link_column()
        links = self.env["crm.iap.lead.directory.link"].sudo().search(
            [(column, "in", self.ids), ("state", "!=", "rejected")])
        by_record = {link[column].id: link for link in links}
        for record in self:
            link = by_record.get(record._origin.id, links.browse())
            record.directory_link_id = link
            record.directory_company_id = link.directory_company_id
            record.directory_link_state = link.state
            record.directory_link_evidence = link.evidence
            record.directory_link_value = link.evidence_value

    @api.depends("company_employees")
    def _compute_company_size_band(self):
        for record in self:
            band = False
            for value, _label in SIZE_BANDS:
                if record.company_employees >= int(value):
                    band = value
            record.company_size_band = band

    @api.model
    def _directory_link_column(self):
        return "partner_id" if self._directory_kind == "partner" else "lead_id"

    def _check_directory_access(self):
        """Matching and enriching change the user's own records: the user
        must be allowed to write them (the actions run in SQL and sudo)."""
        self.check_access_rights("write")
        self.check_access_rule("write")

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------

    def _directory_match(self):
        """Link these records to their directory company where evidence is found."""
        counts = self.env["crm.iap.lead.directory.link"].sudo()._match(self._directory_kind, self.ids)
        self.invalidate_recordset()
        return counts

    def action_directory_match(self):
        self._check_directory_access()
        counts = self._directory_match()
        return _notification(_("Matched with the directory"), _(
            "%(linked)s linked, %(suggested)s suggestions to confirm, of %(count)s records.",
            linked=counts["linked"], suggested=counts["suggested"], count=len(self)))

    def _directory_links_to_change(self, states):
        self._check_directory_access()
        links = self.sudo().mapped("directory_link_id").filtered(lambda link: link.state in states)
        if not links:
            raise UserError(_("There is no directory link to change here."))
        return links

    def action_directory_confirm(self):
        self._directory_links_to_change(("suggested",))._update_state("linked")
        self.invalidate_recordset()

    def action_directory_reject(self):
        """Reject a suggestion, or remove a link: no matching proposes it again."""
        self._directory_links_to_change(("suggested", "linked"))._update_state("rejected")
        self.invalidate_recordset()

    def action_open_directory_company(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.iap.lead.directory.company",
            "res_id": self.directory_company_id.id,
            "views": [[False, "form"]],
        }

    # ------------------------------------------------------------------
    # Enrichment
    # ------------------------------------------------------------------

    def _directory_field_values(self, company):
        """{field: value} the directory company `company` gives this record."""
        company = company.sudo()
        values = {
            "company_registry": company.register_number or False,
            "street": company.street or False,
            "city": company.city or False,
            "zip": company.zip or False,
            "state_id": company.state_id.id,
            "country_id": company.country_id.id,
            "website": f"https://{company.domain}" if company.domain else False,
            "phone": next(iter(_split(company.phones)), False),
            "company_employees": company.employees or False,
            "company_founded_date": company.founded_date or False,
        }
        # The VAT number only where the register says the company is
        # VAT-registered (none of today's registers does): never derived from
        # a register number, which would put false tax IDs on invoices.
        return values

    def _directory_fillable(self, values):
        """The fields of `values` this record has empty: the address only as
        a whole, when the record has none (and no other country)."""
        fillable = {}
        has_address = any(self[name] for name in ADDRESS_FIELDS)
        other_country = self.country_id and self.country_id.id != values.get("country_id")
        for name, value in values.items():
            if not value or self[name]:
                continue
            if name in ADDRESS_FIELDS and (has_address or other_country):
                continue
            fillable[name] = value
        return fillable

    def _directory_differences(self):
        """[(field, current value, directory value)] for the fields this
        record has filled differently from its directory company."""
        self.ensure_one()
        link = self.sudo().directory_link_id
        if not link or link.state != "linked":
            return []
        differences = []
        for name, value in self._directory_field_values(link.directory_company_id).items():
            current = self[name]
            current = current.id if isinstance(current, models.BaseModel) else current
            if value and current and current != value:
                differences.append((name, current, value))
        return differences

    def _directory_enrich(self, overwrite=()):
        """Fill the empty fields of the linked records (and those of
        `overwrite`, the field names a user chose to overwrite), with one
        note each listing what was filled and from where; the records enriched."""
        enriched = self.browse()
        origins = {}   # {register code: where the data comes from}, one query per register
        notes = {}
        for record in self:
            link = record.sudo().directory_link_id
            if not link or link.state != "linked":
                continue
            values = record._directory_field_values(link.directory_company_id)
            changes = record._directory_fillable(values)
            changes.update({name: values[name] for name in overwrite if values.get(name)})
            if not changes:
                continue
            record.write(changes)
            register = link.directory_company_id.register_code
            if register not in origins:
                origins[register] = self._directory_origin(register)
            notes[record.id] = record._directory_note(origins[register], changes)
            enriched |= record
        enriched._message_log_batch(notes)
        return enriched

    @api.model
    def _directory_origin(self, register):
        """The register and the date of its latest file, or the own directory."""
        if not register:
            return _("the company directory")
        last_import = self.env["crm.iap.lead.register.import"].sudo().search(
            [("register_code", "=", register), ("state", "=", "done")], order="file_date desc, id desc", limit=1)
        return last_import._file_label() if last_import else ADAPTERS[register].label

    def _directory_note(self, origin, changes):
        labels = [self._fields[name].get_description(self.env)["string"] for name in changes]
        return Markup("<p>%s</p><ul>%s</ul>") % (
            _("Enriched from the directory (%(origin)s):", origin=origin),
            Markup().join(Markup("<li>%s</li>") % label for label in labels),
        )

    def action_directory_enrich(self):
        """Fill the empty fields of these records from their directory
        companies, linking first those that have no link yet."""
        self._check_directory_access()
        self.filtered(lambda record: not record.sudo().directory_link_id)._directory_match()
        self.invalidate_recordset()
        enriched = self._directory_enrich()
        unlinked = self.filtered(lambda record: record.sudo().directory_link_state != "linked")
        message = _("%(enriched)s of %(count)s records enriched.", enriched=len(enriched), count=len(self))
        if unlinked:
            message += " " + _("%(unlinked)s have no confirmed directory company.", unlinked=len(unlinked))
        return _notification(_("Enriched from the directory"), message)

    def action_directory_compare(self):
        """The fields filled differently in the directory, to overwrite one by one."""
        self.ensure_one()
        self._check_directory_access()
        differences = self._directory_differences()
        if not differences:
            raise UserError(_("Every field the directory fills is empty or the same here: use Enrich."))
        wizard = self.env["crm.iap.lead.directory.enrich"].create({
            "res_model": self._name,
            "res_id": self.id,
            "line_ids": [fields.Command.create({
                "field_name": name,
                "field_label": self._fields[name].get_description(self.env)["string"],
                "current_value": _display(self, name, current),
                "directory_value": _display(self, name, value),
            }) for name, current, value in differences],
        })
        return {
            "type": "ir.actions.act_window",
            "name": _("Overwrite from the Directory"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "views": [[False, "form"]],
            "target": "new",
        }


def _split(value):
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]


def _display(record, name, value):
    field = record._fields[name]
    if field.type == "many2one":
        return record.env[field.comodel_name].browse(value).display_name
    return str(value)


def _notification(title, message):
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {"title": title, "message": message, "sticky": False,
                   "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
    }


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm.iap.lead.directory.linked"]
    _directory_kind = "partner"

    def _directory_field_values(self, company):
        values = super()._directory_field_values(company)
        values["industry_id"] = company.sudo().industry_id.partner_industry_id.id
        return values


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.iap.lead.directory.linked"]
    _directory_kind = "lead"

    def _directory_field_values(self, company):
        values = super()._directory_field_values(company)
        values["partner_name"] = company.sudo().name
        return values
