from odoo import _, api, fields, models
from odoo.tools import formatLang

from .crm_iap_lead_mining_request import provider_selection
from ..tools.lead_mining_client import InsufficientCreditsError

CREDIT_REASONS = [
    ("topup", "Top-up"),
    ("companies", "Companies delivered"),
    ("contacts", "Contacts delivered"),
    ("known", "Already in CRM"),
    ("malformed", "Malformed answer"),
    ("blacklisted", "Blacklisted contacts"),
    ("hold", "Background reservation"),
    ("adjustment", "Adjustment"),
]


class CrmIapLeadCreditLine(models.Model):
    """One movement of lead-mining credits: a top-up, or what a request spent.

    Providers that sell their own credits (the company directory) keep their
    balance here. For the IAP service the balance lives on the IAP account;
    its lines record what the service charged for each request, so that one
    report covers all lead-mining spending.
    """

    _name = "crm.iap.lead.credit.line"
    _description = "Lead Mining Credit Movement"
    _order = "date desc, id desc"
    _check_company_auto = True

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user, readonly=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, readonly=True)
    provider = fields.Selection(
        selection=provider_selection,
        required=True, readonly=True,
    )
    request_id = fields.Many2one(
        "crm.iap.lead.mining.request", index="btree_not_null",
        ondelete="set null", readonly=True, check_company=True,
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    salesperson_id = fields.Many2one("res.users", readonly=True)
    amount = fields.Integer(string="Credits", required=True, readonly=True, help="Positive for a top-up or a released reservation, negative when spent or reserved.")
    credits_spent = fields.Integer(
        compute="_compute_credits_spent", store=True,
        help="What this movement spent, as a positive number (0 for a top-up): what the reports add up.",
    )
    reason = fields.Selection(CREDIT_REASONS, required=True, readonly=True)
    reference = fields.Char(readonly=True)
    service_client_id = fields.Many2one(
        "crm.iap.lead.service.client", index="btree_not_null",
        ondelete="restrict", readonly=True,
        help="Credits of a client of our lead-mining service: its own balance, not the company's.",
    )

    @api.depends("amount", "reason")
    def _compute_credits_spent(self):
        for line in self:
            # A reservation is not spending: its debits are, as they happen.
            line.credits_spent = max(-line.amount, 0) if line.reason != "hold" else 0

    @api.model
    def get_balance_providers(self):
        """[(code, label)] of the providers whose balance the ledger's header
        shows: those the dialog may offer to the current company."""
        self.check_access_rights("read")
        requests = self.env["crm.iap.lead.mining.request"]
        return [(code, label) for code, label in provider_selection(self)
                if requests._provider_model(code)._is_usable(self.env.company)]

    @api.model
    def _get_balance(self, company, provider):
        self.env.cr.execute(
            "SELECT balance FROM crm_iap_lead_credit_balance WHERE company_id = %s AND provider = %s",
            (company.id, provider),
        )
        row = self.env.cr.fetchone()
        return row[0] if row else 0

    @api.model
    def _record(self, company, provider, movements, request=None, reference=None, local_balance=True,
                service_client=None):
        """Write movements [(amount, reason)], all or nothing.

        With `local_balance`, the company's balance for the provider moves
        too and may not go below zero: the conditional UPDATE makes
        concurrent debits queue on the balance row, and a transaction that
        read a stale balance fails to serialise and is retried by Odoo, so
        no interleaving can overspend.

        With `service_client`, the balance that moves is that client's own.

        :raise InsufficientCreditsError: the balance cannot cover the debit.
        """
        balance_key = service_client._balance_key() if service_client else provider
        movements = [(amount, reason) for amount, reason in movements if amount]
        if not movements:
            return self.browse()
        if local_balance:
            delta = sum(amount for amount, _reason in movements)
            cr = self.env.cr
            cr.execute("""
                INSERT INTO crm_iap_lead_credit_balance (company_id, provider, balance)
                VALUES (%s, %s, 0) ON CONFLICT DO NOTHING
            """, (company.id, balance_key))
            cr.execute("""
                UPDATE crm_iap_lead_credit_balance SET balance = balance + %(delta)s
                 WHERE company_id = %(company)s AND provider = %(provider)s AND balance + %(delta)s >= 0
             RETURNING balance
            """, {"delta": delta, "company": company.id, "provider": balance_key})
            if not cr.fetchone():
                error = InsufficientCreditsError("Not enough credits for this request.")
                error.user_message = _(
                    "You do not have enough credits: this request needs up to %(needed)s, the balance is %(balance)s.",
                    needed=formatLang(self.env, -delta, digits=0),
                    balance=formatLang(self.env, self._get_balance(company, balance_key), digits=0),
                )
                raise error
        return self.sudo().create([{
            "company_id": company.id,
            "provider": provider,
            "request_id": request.id if request else False,
            "team_id": request.team_id.id if request else False,
            "salesperson_id": request.user_id.id if request else False,
            "amount": amount,
            "reason": reason,
            "reference": reference,
            "service_client_id": service_client.id if service_client else False,
        } for amount, reason in movements])


class CrmIapLeadCreditBalance(models.Model):
    """The running balance of one company for one provider (or for one
    client of the lead-mining service: `provider` is then its balance key).

    It is the sum of that provider's credit lines, kept as a row so that
    concurrent debits queue on it (see `crm.iap.lead.credit.line._record`).
    """

    _name = "crm.iap.lead.credit.balance"
    _description = "Lead Mining Credit Balance"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    provider = fields.Char(required=True, readonly=True)
    balance = fields.Integer(readonly=True)

    _sql_constraints = [
        ("company_provider_uniq", "unique (company_id, provider)", "One balance per company and provider."),
        ("balance_not_negative", "check (balance >= 0)", "A credit balance cannot be negative."),
    ]
