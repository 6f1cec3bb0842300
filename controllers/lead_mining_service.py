"""Our company directory served over Odoo's lead-mining protocols.

Thin routes: read the JSON-RPC call, hand it to `crm.iap.lead.service.call`,
answer in the envelope Odoo's IAP client reads. Off unless the service is
switched on in the CRM settings (then 404, like a route that does not exist).
"""
import json

from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..tools.lead_mining_service import (
    BALANCE_PATH, CREDIT_PATH, MAX_JSON_DEPTH, jsonrpc_error, jsonrpc_id, jsonrpc_result, too_deep)
from ..models.crm_iap_lead_service_client import CREDIT_PAGE_SECONDS
from ..tools.protocols import PROTOCOLS

MAX_BODY_PARAM = "crm_iap_mine.service_max_body_kb"
CREDIT_COOKIE = "crm_iap_mine_credit"
DEFAULT_MAX_BODY_KB = 4096  # room for ~200,000 known reveal_ids


class LeadMiningService(http.Controller):

    # One route per mining protocol, on the paths its server half answers.
    @http.route(list(PROTOCOLS["dnb"].server_paths), type="http", auth="none", methods=["POST"], csrf=False,
                save_session=False)
    def dnb_search_by_criteria(self):
        return self._answer_mining("dnb")

    @http.route(list(PROTOCOLS["clearbit"].server_paths), type="http", auth="none", methods=["POST"], csrf=False,
                save_session=False)
    def clearbit_lead_mining_request(self):
        return self._answer_mining("clearbit")

    @http.route(BALANCE_PATH, type="http", auth="none", methods=["POST"], csrf=False, save_session=False)
    def balance(self):
        return self._answer(lambda calls, params: calls._handle_balance(params))

    @http.route(CREDIT_PATH, type="http", auth="public", methods=["GET"])
    def buy_credits(self, account_token=None, **_params):
        """Where a client's *Buy credits* button leads (Odoo's IAP client
        builds the URL from `iap.endpoint`, with the client's token in it):
        whom to contact, in the visitor's language. The token is swapped at
        once for a short-lived signed cookie and a redirect to the address
        without it, so that access logs, history and bookmarks keep it once
        at most."""
        if not request.env["crm.iap.lead.service.call"].sudo()._is_service_enabled():
            raise NotFound()
        clients = request.env["crm.iap.lead.service.client"].sudo()
        # Never cached, no referrer: the first address carries the token.
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
        if account_token is not None:
            response = request.redirect(CREDIT_PATH, code=303)
            response.headers.update(headers)
            client = clients._authenticate(account_token)
            if client:
                response.set_cookie(CREDIT_COOKIE, client._credit_page_cookie(), max_age=CREDIT_PAGE_SECONDS,
                                    expires=None, path=CREDIT_PATH, httponly=True, samesite="Lax",
                                    secure=request.httprequest.scheme == "https")
            else:
                response.delete_cookie(CREDIT_COOKIE, path=CREDIT_PATH)
            return response
        client = clients._from_credit_page_cookie(request.httprequest.cookies.get(CREDIT_COOKIE))
        return request.render("crm_iap_mine.service_credit_page", clients._get_credit_page_values(client),
                              headers=headers)

    def _answer_mining(self, protocol):
        return self._answer(lambda calls, params: calls._handle(protocol, params))

    def _answer(self, handle):
        """Read the call and answer what `handle(calls, params)` returns. A
        call refused before its token is known is only counted (see
        `_count_anonymous_refusal`)."""
        env = request.env(user=SUPERUSER_ID)
        calls = env["crm.iap.lead.service.call"]
        if not calls._is_service_enabled():
            raise NotFound()
        max_bytes = int(env["ir.config_parameter"].get_param(MAX_BODY_PARAM) or DEFAULT_MAX_BODY_KB) * 1024
        length = request.httprequest.content_length
        # The hard cap: above twice the limit, Odoo's own 413 and nothing read
        # nor logged; between the two, the protocol's error (a client's bug
        # or a too long list of reveal_ids deserves an answer it can show).
        request.httprequest.max_content_length = 2 * max_bytes
        if length is not None and length > 2 * max_bytes:
            raise RequestEntityTooLarge()
        if length is None or length > max_bytes:
            message = f"The request is too large: at most {max_bytes // 1024} KB."
            calls._count_anonymous_refusal()
            return request.make_json_response(jsonrpc_error(None, "user", message))
        try:
            call = json.loads(request.httprequest.get_data())
        except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested past Python's limit
            call = None
        message = None
        if not isinstance(call, dict) or not isinstance(call.get("params"), dict):
            message = "The request is not a JSON-RPC call."
        elif too_deep(call):
            message = f"The request nests lists and objects more than {MAX_JSON_DEPTH} deep."
        if message:
            calls._count_anonymous_refusal()
            return request.make_json_response(jsonrpc_error(jsonrpc_id(call), "user", message))
        answer = handle(calls, call["params"])
        if answer[0] == "result":
            return request.make_json_response(jsonrpc_result(jsonrpc_id(call), answer[1]))
        return request.make_json_response(jsonrpc_error(jsonrpc_id(call), *answer[1:]))
