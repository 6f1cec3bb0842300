"""Takes the screenshots of static/description/ in headless Chromium.

Usage: screenshots.py BASE_URL DATABASE OUTPUT_DIR (see scripts/demo/screenshots.sh).
Talks to Chromium over the DevTools protocol (websocket-client), logged in as
admin on the demo database; the browser only ever loads 127.0.0.1.
"""
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import websocket

WIDTH, HEIGHT = 1366, 768


class Browser:
    def __init__(self, base_url, session_id):
        self.base_url = base_url
        self.profile = tempfile.mkdtemp()
        port = 9300 + int(time.time()) % 500
        self.process = subprocess.Popen([
            shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", f"--user-data-dir={self.profile}",
            f"--remote-debugging-port={port}", f"--window-size={WIDTH},{HEIGHT}", "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _attempt in range(100):
            try:
                pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                break
            except requests.RequestException:
                time.sleep(0.2)
        page = next(p for p in pages if p["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"])
        self.counter = 0
        self.call("Network.enable")
        self.call("Network.setCookie", name="session_id", value=session_id, domain="127.0.0.1", path="/")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                return message.get("result", {})

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def wait_for(self, selector, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                time.sleep(1)  # let the rendering settle
                return
            time.sleep(0.3)
        raise TimeoutError(f"{selector} did not show up")

    def click(self, selector):
        self.wait_for(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def open(self, path, ready_selector):
        self.call("Page.navigate", url=self.base_url + path)
        self.wait_for(ready_selector, timeout=120)

    def shoot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as picture:
            picture.write(base64.b64decode(data))
        print(f"saved {path}")  # pylint: disable=print-used

    def close(self):
        self.process.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def _call(session, base_url, model, method, *args, **kwargs):
    answer = session.post(f"{base_url}/web/dataset/call_kw", timeout=120, json={"params": {
        "model": model, "method": method, "args": list(args), "kwargs": kwargs,
    }}).json()
    if "error" in answer:
        raise RuntimeError(answer["error"]["data"]["message"])
    return answer["result"]


def _mined_lead(session, base_url):
    """A lead mined with contacts; mines a few from the directory if none."""
    domain = [["lead_mining_request_id.search_type", "=", "people"]]
    found = _call(session, base_url, "crm.lead", "search", domain, limit=1, order="id desc")
    if not found:
        countries = _call(session, base_url, "res.country", "search", [["code", "in", ["ES", "IT"]]])
        seniority = _call(session, base_url, "crm.iap.lead.seniority", "search", [["reveal_id", "=", "director"]])
        request = _call(session, base_url, "crm.iap.lead.mining.request", "create", {
            "provider": "directory", "lead_number": 5, "search_type": "people", "contact_number": 3,
            "contact_filter_type": "seniority", "seniority_id": seniority[0],
            "country_ids": [[6, 0, countries]], "lead_type": "opportunity", "gdpr_acknowledged": True,
        })
        _call(session, base_url, "crm.iap.lead.mining.request", "action_submit", [request])
        found = _call(session, base_url, "crm.lead", "search", domain, limit=1, order="id desc")
    return found[0]


def _link_won_deals(session, base_url):
    """Twelve won opportunities mined from directory companies of Spain, so
    that *Most like my won deals* has something to learn from."""
    if _call(session, base_url, "crm.lead", "search", [["name", "=like", "Screenshot won %"]], limit=1):
        return
    spain = _call(session, base_url, "res.country", "search", [["code", "=", "ES"]])
    companies = _call(session, base_url, "crm.iap.lead.directory.company", "search_read",
                      [["country_id", "in", spain], ["employees", ">=", 50]], ["name"], limit=12, order="id")
    leads = _call(session, base_url, "crm.lead", "create", [
        {"name": f"Screenshot won {company['name']}", "type": "opportunity",
         "reveal_id": f"directory-{company['id']}"} for company in companies])
    _call(session, base_url, "crm.lead", "action_set_won", leads)


def _queue_background_request(session, base_url):
    if _call(session, base_url, "crm.iap.lead.mining.request", "search", [["state", "=", "queued"]], limit=1):
        return
    countries = _call(session, base_url, "res.country", "search", [["code", "in", ["ES", "IT", "FR", "DE"]]])
    request = _call(session, base_url, "crm.iap.lead.mining.request", "create", {
        "provider": "directory", "lead_number": 500, "search_type": "companies",
        "country_ids": [[6, 0, countries]], "lead_type": "opportunity", "gdpr_acknowledged": True,
    })
    _call(session, base_url, "crm.iap.lead.mining.request", "action_submit", [request])


def main(base_url, database, output):
    session = requests.Session()
    for _attempt in range(240):  # Odoo is still starting (and updating the addon)
        try:
            session.post(f"{base_url}/web/session/authenticate", timeout=60, json={
                "params": {"db": database, "login": "admin", "password": "admin"},
            }).raise_for_status()
            break
        except requests.ConnectionError:
            time.sleep(0.5)
    browser = Browser(base_url, session.cookies["session_id"])
    try:
        browser.open("/web#action=crm.crm_lead_action_pipeline", ".o_button_generate_leads")
        browser.click(".o_button_generate_leads")
        browser.wait_for(".modal .o_field_widget[name=lead_number]")
        browser.click(".modal .o_field_widget[name=search_type] input[data-value=people]")
        browser.wait_for(".modal .o_field_widget[name=contact_number]")
        browser.shoot(f"{output}/generate_leads_dialog.png")
        browser.evaluate("document.querySelector('.modal .btn-close, .modal .o_form_button_cancel').click()")
        time.sleep(1)

        # Most like my won deals: what was learned, in the dialog.
        _link_won_deals(session, base_url)
        browser.click(".o_button_generate_leads")
        browser.wait_for(".modal .o_field_widget[name=lead_number]")
        # The provider is offered only when there are several.
        browser.evaluate("document.querySelector('.modal .o_field_widget[name=provider] input[data-value=directory]')?.click()")
        browser.click(".modal .o_field_widget[name=mining_order] input[data-value=lookalike]")
        browser.wait_for(".modal .o_crm_iap_mine_lookalike_summary:not(.d-none), .modal .o_crm_iap_mine_lookalike_unavailable")
        browser.evaluate("document.querySelector('.modal .o_field_widget[name=mining_order]').scrollIntoView()")
        time.sleep(1)
        browser.shoot(f"{output}/lookalike_dialog.png")

        # A mined opportunity and its enrichment note.
        lead_id = _mined_lead(session, base_url)
        browser.open(f"/web#model=crm.lead&id={lead_id}&view_type=form", ".o-mail-Message")
        browser.evaluate("document.querySelector('.o-mail-Message').scrollIntoView()")
        time.sleep(1)
        browser.shoot(f"{output}/enrichment_note.png")

        browser.open("/web#action=crm.crm_config_settings_action", ".o_crm_iap_mine_balance")
        time.sleep(1)   # the settings scroll to their app's block once loaded: after that
        browser.evaluate("document.querySelector('.o_crm_iap_mine_watch').scrollIntoView({block: 'end'})")
        time.sleep(1)
        browser.shoot(f"{output}/settings.png")

        browser.open("/web#action=crm_iap_mine.crm_iap_lead_credit_line_action", ".o_graph_renderer canvas")
        browser.shoot(f"{output}/credit_ledger.png")

        # A big request waiting for the background job (no cron runs here).
        _queue_background_request(session, base_url)
        browser.open("/web#action=crm_iap_mine.crm_iap_lead_mining_request_action", ".o_list_view .o_field_progressbar")
        browser.shoot(f"{output}/background_requests.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
