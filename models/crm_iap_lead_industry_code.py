from odoo import fields, models


class CrmIapLeadIndustryCode(models.Model):
    """An official activity code (a NACE division...) and the industry it means.

    Register imports turn the activity code of each company into one of our
    industries through this table; codes it lacks stay without an industry
    and are counted, never guessed.
    """

    _name = "crm.iap.lead.industry.code"
    _description = "Industry Code Mapping"
    _order = "classification, code"

    classification = fields.Selection(
        [("nace2", "NACE Rev. 2 (UK SIC 2007, NAF rév. 2, SN2007)")], required=True,
    )
    code = fields.Char(required=True, help="The division: the first two digits of the activity code.")
    industry_id = fields.Many2one("crm.iap.lead.industry", required=True, ondelete="cascade")

    _sql_constraints = [
        ("code_uniq", "unique (classification, code)", "This code is already mapped to an industry."),
    ]
