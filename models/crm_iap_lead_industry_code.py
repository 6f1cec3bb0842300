from odoo import fields, models


# US SIC 1987 major groups: what lead-mining clients of Odoo 19.4 and later
# send for industries (data/crm.iap.lead.industry.code-sic1987.csv).
SIC_CLASSIFICATION = "sic1987"


class CrmIapLeadIndustryCode(models.Model):
    """An official activity code (a NACE division, a SIC major group) and the
    industry it means.

    Register imports turn the activity code of each company into one of our
    industries through this table; codes it lacks stay without an industry
    and are counted, never guessed. The lead-mining service turns the SIC
    major groups a client asks for into our industries the same way.
    """

    _name = "crm.iap.lead.industry.code"
    _description = "Industry Code Mapping"
    _order = "classification, code"

    classification = fields.Selection(
        [("nace2", "NACE Rev. 2 (UK SIC 2007, NAF rév. 2, SN2007)"),
         (SIC_CLASSIFICATION, "US SIC 1987 (major groups)")], required=True,
    )
    code = fields.Char(required=True, help="The division: the first two digits of the activity code.")
    industry_id = fields.Many2one("crm.iap.lead.industry", required=True, ondelete="cascade")

    _sql_constraints = [
        ("code_uniq", "unique (classification, code)", "This code is already mapped to an industry."),
    ]
