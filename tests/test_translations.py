import os
import re
from html import unescape
from unittest.mock import patch

import polib

import odoo
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.translate import TranslationFileReader, TranslationModuleReader, get_po_paths

from ..tools import po_checks
from ..tools.lead_mining_client import ServiceHTTPError, ServiceTimeoutError
from .common import ADDON_DIR

I18N_DIR = os.path.join(ADDON_DIR, "i18n")
POT_PATH = os.path.join(I18N_DIR, "crm_iap_mine.pot")
# The languages of Odoo 17's stock crm_iap_mine: a database upgraded from it
# must not lose any of them.
STOCK_LANGUAGES = (
    "ar bg ca cs da de el es es_419 et fa fi fr he hr hu hy id is it ja ko lb lt lv mn nb nl pl pt pt_BR "
    "ro ru sk sl sr sv th tr uk vi zh_CN zh_TW"
).split()
LANGUAGES = {"es_ES": "es", "it_IT": "it"}  # Odoo language: .po file (the detailed checks below)
REFRESH = ("run `make i18n`, then translate the new terms in every i18n/*.po "
           "(`python3 scripts/i18n/i18n_todo.py check` lists them)")


def _po(lang):
    return polib.pofile(os.path.join(I18N_DIR, f"{lang}.po"))


def _translation(lang, msgid):
    """What i18n/LANG.po says for `msgid` (the test's oracle: the file itself)."""
    return next(entry.msgstr for entry in _po(lang) if entry.msgid == msgid)


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    """i18n/*.po: every language of the stock module, complete, in sync with
    the template and with the code, loadable by Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = polib.pofile(POT_PATH)

    def test_template_matches_the_addon(self):
        """Every term the addon has today is in the .pot, and no other."""
        # Odoo's reader scans every folder named crm_iap_mine in the addons
        # path: hide the stock module from it, as `make i18n` does.
        paths = [
            path for path in odoo.addons.__path__
            if not os.path.isdir(os.path.join(path, "crm_iap_mine"))
            or os.path.realpath(os.path.join(path, "crm_iap_mine")) == os.path.realpath(ADDON_DIR)
        ]
        with patch.object(odoo.addons, "__path__", paths):
            reader = TranslationModuleReader(self.env.cr, modules=["crm_iap_mine"])
            current = {source for _module, _type, _name, _res_id, source, _value, _comments in reader}
        template = {entry.msgid for entry in self.pot}
        self.assertTrue(current)
        self.assertFalse(sorted(current - template), f"terms missing from the .pot: {REFRESH}")
        self.assertFalse(sorted(template - current), f"terms the addon no longer has: {REFRESH}")

    def test_every_language_of_the_stock_module(self):
        files = sorted(name[:-3] for name in os.listdir(I18N_DIR) if name.endswith(".po"))
        self.assertEqual(files, sorted(STOCK_LANGUAGES))

    def test_po_files_are_complete_and_keep_placeholders_and_markup(self):
        """No missing, empty or fuzzy term; placeholders (%(name)s, %s, {name},
        {{ }}) and HTML tags and attributes as in the source."""
        template = {(entry.msgctxt, entry.msgid) for entry in self.pot}
        for lang in STOCK_LANGUAGES:
            with self.subTest(lang=lang):
                po = _po(lang)
                self.assertEqual(po.metadata.get("Language"), lang)
                problems = [
                    f"{problem}: {entry.msgid[:60]!r}" if entry is not None else problem
                    for entry, problem in po_checks.file_problems(po, template)
                ]
                self.assertFalse(problems[:20], f"{lang}.po: {len(problems)} problems; {REFRESH}")

    def test_checks_catch_broken_translations(self):
        """The rules above fail on what they are meant to catch."""
        def problems(msgid, msgstr):
            return po_checks.problems(polib.POEntry(msgid=msgid, msgstr=msgstr))
        self.assertEqual(problems("Name", ""), ["not translated"])
        self.assertTrue(problems("%(count)s leads", "%(nombre)s pistes"))
        self.assertTrue(problems("%s of %s", "%s"))
        self.assertTrue(problems("Hello {name}", "Bonjour {nom}"))
        self.assertTrue(problems("<b>Tax ID: </b>", "N° TVA :"))
        self.assertTrue(problems('<i class="fa fa-shield" title="Data"/> Text', '<i class="fa" title="Données"/> Texte'))
        self.assertFalse(problems('<i class="fa fa-shield" title="Data"/> Text', '<i class="fa fa-shield" title="Données"/> Texte'))
        self.assertFalse(problems("%(count)s of %(total)s", "%(total)s : %(count)s"))

    @staticmethod
    def _last_po_path(code):
        paths = list(get_po_paths("crm_iap_mine", code))
        return os.path.realpath(paths[-1]) if paths else None

    def test_po_files_load_in_odoo(self):
        """Each file reads with Odoo's own reader and loads into the Odoo
        languages that use it (what `odoo --i18n-import` and a module update
        do); a field label then reads as the file says."""
        Lang = self.env["res.lang"].with_context(active_test=False)
        codes = Lang.search([]).mapped("code")
        loaded = {}
        for lang in STOCK_LANGUAGES:
            with self.subTest(lang=lang):
                path = os.path.join(I18N_DIR, f"{lang}.po")
                with open(path, "rb") as handle:
                    rows = list(TranslationFileReader(handle, fileformat="po"))
                self.assertTrue(rows, f"{lang}.po reads empty")
                # The Odoo languages loading this file last (their most specific file).
                users = [code for code in codes if self._last_po_path(code) == os.path.realpath(path)]
                if users:
                    loaded[lang] = min(users, key=lambda code: (code != lang, len(code), code))
        # Armenian and Icelandic have no res.lang in Odoo 17: read, not loaded.
        self.assertGreaterEqual(len(loaded), len(STOCK_LANGUAGES) - 2, sorted(set(STOCK_LANGUAGES) - set(loaded)))
        for code in loaded.values():
            Lang._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(["crm_iap_mine"], list(loaded.values()), overwrite=True)
        self.env.invalidate_all()
        menu = self.env.ref("crm_iap_mine.crm_menu_lead_generation")
        for lang, code in loaded.items():
            with self.subTest(lang=lang, code=code):
                expected = _translation(lang, "Lead Generation")
                self.assertEqual(menu.with_context(lang=code).name, expected)
                field = self.env["crm.iap.lead.mining.request"].with_context(lang=code).fields_get(["lead_number"])
                self.assertEqual(field["lead_number"]["string"], _translation(lang, "Number of Leads"))


@tagged("post_install", "-at_install")
class TestTranslationsRendered(TransactionCase):
    """French, German, Arabic (right to left) and Japanese users: the dialog,
    the request form, the enrichment note and a message, rendered server side."""

    LANGS = {"fr_FR": "fr", "de_DE": "de", "ar_001": "ar", "ja_JP": "ja"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in cls.LANGS:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["crm_iap_mine"], list(cls.LANGS), overwrite=True)
        cls.env.invalidate_all()
        cls.env.registry.clear_cache()

    def _expect(self, html, lang, *msgids):
        """The translations of `msgids` (their text, without tags) are in `html`."""
        text = unescape(html)
        for msgid in msgids:
            translated = _translation(lang, msgid)
            self.assertNotEqual(translated, msgid)
            self.assertIn(re.sub(r"<[^>]+>", "", translated).strip(), text)

    def test_dialog_form_note_and_message(self):
        manager = new_test_user(self.env, login="translated_manager", groups="sales_team.group_sale_manager")
        manager.lead_mining_gdpr_ack_date = "2026-01-01"  # the first-use notice is another test's business
        dialog = self.env.ref("crm_iap_mine.crm_iap_lead_mining_request_view_form")
        for code, lang in self.LANGS.items():
            with self.subTest(lang=code):
                self.assertEqual(self.env["res.lang"]._lang_get(code).direction, "rtl" if lang == "ar" else "ltr")
                # The manager switches to the language, as in their preferences.
                manager.lang = code
                localized = self.env(user=manager, context=manager.with_user(manager).context_get())["crm.iap.lead.mining.request"]
                self.assertEqual(localized.env.lang, code)
                arch = localized.get_view(dialog.id, "form")["arch"]
                self._expect(arch, lang, "Generate Leads", "Learn more about the GDPR")
                self.assertNotIn("Make sure you know", arch)
                labels = localized.fields_get(["lead_number", "country_ids", "lead_type"], ["string", "selection"])
                self.assertEqual(labels["lead_number"]["string"], _translation(lang, "Number of Leads"))
                self.assertEqual(dict(labels["lead_type"]["selection"])["opportunity"], _translation(lang, "Opportunities"))

                request = localized.create({"name": "LMR77", "country_ids": [(6, 0, self.env.ref("base.fr").ids)]})
                note = request._render_enrichment_notes(self.env["crm.lead"].new({}), [{
                    "company_data": {"name": "Acme", "vat": "FR123", "address": "1 rue X", "industries": ["Software"]},
                    "people_data": [{"full_name": "Ana", "title": "CEO", "email": "ana@acme.example"}],
                }]).popitem()[1]
                self._expect(str(note), lang, "Role / Seniority", "<b>Tax ID: </b>")
                self.assertIn(_translation(lang, "Created by Lead Generation (request %(name)s).") % {"name": "LMR77"},
                              str(note))
                with self.assertRaises(ValidationError) as caught:
                    localized.create({"country_ids": [(5, 0, 0)]})._check_submittable()
                self.assertEqual(str(caught.exception), _translation(lang, "Choose at least one country."))


@tagged("post_install", "-at_install")
class TestTranslationsLoaded(TransactionCase):
    """Spanish and Italian users see the addon in their language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in LANGUAGES:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["crm_iap_mine"], list(LANGUAGES), overwrite=True)
        cls.env.invalidate_all()
        cls.env.registry.clear_cache()
        cls.Request = cls.env["crm.iap.lead.mining.request"]

    def _in(self, lang):
        return self.Request.with_context(lang=lang)

    def test_field_labels_help_and_selections(self):
        expected = {
            "es_ES": ("Número de leads", "Comercial", "Equipo de ventas", "Empresas y sus contactos", "Oportunidades",
                      "Créditos que el proveedor cobró por esta solicitud."),
            "it_IT": ("Numero di lead", "Addetto vendite", "Team di vendita", "Aziende e relativi contatti", "Opportunità",
                      "Crediti addebitati dal fornitore per questa richiesta."),
        }
        for lang, (lead_number, user, team, people, opportunities, help_text) in expected.items():
            with self.subTest(lang=lang):
                fields = self._in(lang).fields_get(
                    ["lead_number", "user_id", "team_id", "search_type", "lead_type", "credits_charged"],
                    ["string", "selection", "help"],
                )
                self.assertEqual(fields["lead_number"]["string"], lead_number)
                self.assertEqual(fields["user_id"]["string"], user)
                self.assertEqual(fields["team_id"]["string"], team)
                self.assertEqual(dict(fields["search_type"]["selection"])["people"], people)
                self.assertEqual(dict(fields["lead_type"]["selection"])["opportunity"], opportunities)
                self.assertEqual(fields["credits_charged"]["help"], help_text)

    def test_data_records(self):
        expected = {
            "es_ES": ("Productos de consumo básico", "Finanzas", "Director", "Generación de leads"),
            "it_IT": ("Beni di prima necessità", "Finanza", "Direttore", "Generazione lead"),
        }
        for lang, (industry, role, seniority, menu) in expected.items():
            with self.subTest(lang=lang):
                env = self.env(context=dict(self.env.context, lang=lang))
                self.assertEqual(env.ref("crm_iap_mine.crm_iap_mine_industry_33").name, industry)
                self.assertEqual(env.ref("crm_iap_mine.crm_iap_mine_role_7").name, role)
                self.assertEqual(env.ref("crm_iap_mine.crm_iap_mine_seniority_1").name, seniority)
                self.assertEqual(env.ref("crm_iap_mine.crm_menu_lead_generation").name, menu)

    def test_views_and_mail_template(self):
        expected = {
            "es_ES": ("Generar leads", "Protección de datos", "Asegúrese de conocer", "Más información sobre el RGPD",
                      "Generación de leads se ha quedado sin créditos", "Se han agotado sus créditos"),
            "it_IT": ("Genera lead", "Protezione dei dati", "Assicurati di conoscere", "Scopri di più sul GDPR",
                      "Generazione lead ha esaurito i crediti", "I crediti di Generazione lead sono esauriti"),
        }
        template = self.env.ref("crm_iap_mine.lead_generation_no_credits")
        for lang, (button, title, gdpr, gdpr_link, subject, body) in expected.items():
            with self.subTest(lang=lang):
                arch = self._in(lang).get_view(view_type="form")["arch"]
                for text in (button, title, gdpr, gdpr_link):
                    self.assertIn(text, arch)
                self.assertNotIn("Make sure you know", arch)
                self.assertEqual(template.with_context(lang=lang).subject, subject)
                self.assertIn(body, template.with_context(lang=lang).body_html)

    def test_error_messages(self):
        expected = {
            "es_ES": ("Con este proveedor, el número de leads debe estar entre 1 y 200 (ha escrito 0).", "Elija al menos un país.",
                      "El servicio respondió con un error HTTP: 502 Bad Gateway",
                      "El servicio no respondió a tiempo. Es posible que el servicio haya cobrado créditos"),
            "it_IT": ("Con questo fornitore, il numero di lead deve essere compreso tra 1 e 200 (hai scritto 0).", "Scegli almeno un paese.",
                      "Il servizio ha risposto con un errore HTTP: 502 Bad Gateway",
                      "Il servizio non ha risposto in tempo. Il servizio potrebbe aver comunque addebitato"),
        }
        for lang, (lead_number, country, http, timeout) in expected.items():
            with self.subTest(lang=lang):
                Request = self._in(lang)
                with self.assertRaises(ValidationError) as caught:
                    Request.create({"lead_number": 0, "country_ids": [(6, 0, self.env.ref("base.es").ids)]})
                self.assertEqual(str(caught.exception), lead_number)
                request = Request.create({"country_ids": [(5, 0, 0)]})
                with self.assertRaises(ValidationError) as caught:
                    request._check_submittable()
                self.assertEqual(str(caught.exception), country)
                self.assertEqual(request._describe_error(ServiceHTTPError("502 Bad Gateway")), http)
                self.assertTrue(request._describe_error(ServiceTimeoutError("", maybe_charged=True)).startswith(timeout))
                self.assertEqual(request.name, {"es_ES": "Nuevo", "it_IT": "Nuova"}[lang])

    def test_assignment_summary_agrees_in_gender_and_number(self):
        expected = {
            "es_ES": {
                ("lead", 1): "Se le ha asignado un nuevo lead de la solicitud LMR900.",
                ("lead", 3): "Se le han asignado 3 nuevos leads de la solicitud LMR900.",
                ("opportunity", 1): "Se le ha asignado una nueva oportunidad de la solicitud LMR900.",
                ("opportunity", 3): "Se le han asignado 3 nuevas oportunidades de la solicitud LMR900.",
            },
            "it_IT": {
                ("lead", 1): "Ti è stato assegnato un nuovo lead dalla richiesta LMR900.",
                ("lead", 3): "Ti sono stati assegnati 3 nuovi lead dalla richiesta LMR900.",
                ("opportunity", 1): "Ti è stata assegnata una nuova opportunità dalla richiesta LMR900.",
                ("opportunity", 3): "Ti sono state assegnate 3 nuove opportunità dalla richiesta LMR900.",
            },
        }
        for lang, sentences in expected.items():
            for (lead_type, count), sentence in sentences.items():
                with self.subTest(lang=lang, lead_type=lead_type, count=count):
                    request = self._in(lang).new({"name": "LMR900", "lead_type": lead_type})
                    self.assertEqual(request._assignment_summary(count), sentence)
