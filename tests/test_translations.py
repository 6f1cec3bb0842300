import os
import re
from unittest.mock import patch

import polib

import odoo
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

from ..tools.lead_mining_client import ServiceHTTPError, ServiceTimeoutError

ADDON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
I18N_DIR = os.path.join(ADDON_DIR, "i18n")
POT_PATH = os.path.join(I18N_DIR, "crm_iap_mine.pot")
LANGUAGES = {"es_ES": "es", "it_IT": "it"}  # Odoo language: .po file
REFRESH = "run `make i18n`, then translate the new terms in i18n/es.po and i18n/it.po"

# What must survive translation unchanged: placeholders, markup, QWeb code.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}")
TAG = re.compile(r"</?([a-zA-Z][\w-]*)")


def _key(entry):
    return (entry.msgctxt, entry.msgid)


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    """i18n/*.po: complete, in sync with the template and with the code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = polib.pofile(POT_PATH)
        cls.po_files = {
            lang: polib.pofile(os.path.join(I18N_DIR, f"{lang}.po")) for lang in LANGUAGES.values()
        }

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

    def test_po_files_are_complete(self):
        template = {_key(entry) for entry in self.pot}
        for lang, po in self.po_files.items():
            with self.subTest(lang=lang):
                self.assertEqual(po.metadata.get("Language"), lang)
                self.assertIn("charset=UTF-8", po.metadata.get("Content-Type", ""))
                self.assertTrue(po.metadata.get("Plural-Forms", "").startswith("nplurals="))
                self.assertFalse(po.obsolete_entries(), f"{lang}.po has obsolete entries: {REFRESH}")
                self.assertFalse(
                    [entry.msgid for entry in po.untranslated_entries()],
                    f"{lang}.po has untranslated terms: translate them",
                )
                self.assertFalse(
                    [entry.msgid for entry in po.fuzzy_entries()],
                    f"{lang}.po has fuzzy terms: check them and remove the fuzzy flag",
                )
                self.assertEqual(po.percent_translated(), 100)
                self.assertEqual({_key(entry) for entry in po}, template, f"{lang}.po differs from the .pot: {REFRESH}")

    def test_translations_keep_placeholders_and_markup(self):
        for lang, po in self.po_files.items():
            for entry in po:
                with self.subTest(lang=lang, msgid=entry.msgid[:60]):
                    self.assertEqual(sorted(PLACEHOLDER.findall(entry.msgstr)), sorted(PLACEHOLDER.findall(entry.msgid)))
                    self.assertEqual(sorted(TAG.findall(entry.msgstr)), sorted(TAG.findall(entry.msgid)))


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
            "es_ES": ("Número de leads", "Vendedor", "Equipo de ventas", "Empresas y sus contactos", "Oportunidades",
                      "Créditos que el proveedor cobró por esta solicitud."),
            "it_IT": ("Numero di lead", "Addetto vendite", "Team vendite", "Aziende e relativi contatti", "Opportunità",
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
