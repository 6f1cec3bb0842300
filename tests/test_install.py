import ast
import os
import tempfile

import odoo
from odoo.modules.module import get_module_path
from odoo.tests import BaseCase, TransactionCase, tagged

from .common import ADDON_DIR

TESTS_PACKAGE = "odoo.addons.crm_iap_mine.tests"


def _tests_modules_imported(tree):
    """The modules of the tests folder that a module of it imports, by name:
    `from . import x`, `from .x import y`, `from ..tests.x import y` and the
    absolute `odoo.addons.crm_iap_mine.tests.x` forms."""
    package = TESTS_PACKAGE.split(".")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [(alias.name.split("."), ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            targets = [(base + (node.module.split(".") if node.module else []),
                        [alias.name for alias in node.names])]
        else:
            continue
        for dotted, imported in targets:
            if dotted[:len(package)] != package:
                continue
            if len(dotted) > len(package):
                names.add(dotted[len(package)])
            else:
                names.update(imported)  # from <tests package> import x, y
    return names


def tests_layout_problems(folder):
    """What breaks the layout of a tests folder: a test module (test_*.py) is
    only imported by the folder's __init__.py, which imports nothing else and
    every test module; the helper modules (common.py, ...) hold no test methods
    that a test module importing their classes would run again."""
    problems = []
    modules = {}
    for file_name in sorted(os.listdir(folder)):
        if file_name.endswith(".py"):
            with open(os.path.join(folder, file_name), encoding="utf-8") as source:
                modules[file_name[:-3]] = ast.parse(source.read(), file_name)
    init = modules.pop("__init__", ast.Module(body=[], type_ignores=[]))
    imported_by_init = _tests_modules_imported(init)
    for name in sorted(imported_by_init):
        if not name.startswith("test_"):
            problems.append(f"__init__.py imports {name}, which is no test module (test_*.py)")
    for name, tree in modules.items():
        is_test = name.startswith("test_")
        if is_test and name not in imported_by_init:
            problems.append(f"{name}.py is not imported by __init__.py: its tests never run")
        for imported in sorted(_tests_modules_imported(tree)):
            if imported.startswith("test_"):
                problems.append(f"{name}.py imports the test module {imported}: shared code belongs in common.py")
        if not is_test:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    problems.extend(
                        f"{name}.py: {node.name}.{method.name} would run in every test module that imports it"
                        for method in node.body
                        if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and method.name.startswith("test")
                    )
    return problems


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    """The addon Odoo loaded is this checkout, not the stock module."""

    def test_loaded_module_is_this_checkout(self):
        loaded = os.path.realpath(get_module_path("crm_iap_mine"))
        self.assertEqual(loaded, os.path.realpath(ADDON_DIR))
        version = odoo.modules.module.get_manifest("crm_iap_mine")["version"]  # this checkout's, just asserted
        # The stock module sits in Odoo's own addons folder, later in the path.
        for path in odoo.addons.__path__:
            candidate = os.path.join(path, "crm_iap_mine")
            if os.path.isdir(candidate) and os.path.realpath(candidate) != loaded:
                manifest = odoo.modules.module.load_manifest("crm_iap_mine", candidate)
                self.assertNotEqual(manifest["version"], version)
        self.assertTrue(os.path.isfile(os.path.join(loaded, "tools", "lead_mining_client.py")))
        module = self.env["ir.module.module"].search([("name", "=", "crm_iap_mine")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.latest_version, version)

    def test_models_and_menus_exist(self):
        for model in (
            "crm.iap.lead.mining.request", "crm.iap.lead.industry",
            "crm.iap.lead.role", "crm.iap.lead.seniority", "crm.iap.lead.helpers",
        ):
            self.assertIn(model, self.env)
        self.assertTrue(self.env.ref("crm_iap_mine.crm_menu_lead_generation"))
        self.assertTrue(self.env.ref("crm_iap_mine.crm_iap_lead_mining_request_menu_action"))
        self.assertEqual(len(self.env["crm.iap.lead.industry"].search([])), 23)
        self.assertEqual(self.env.ref("crm_iap_mine.crm_iap_mine_industry_33").reveal_ids, "33")
        self.assertEqual(self.env.ref("crm_iap_mine.crm_iap_mine_role_11").reveal_id, "information_technology")
        self.assertEqual(self.env.ref("crm_iap_mine.crm_iap_mine_seniority_2").reveal_id, "executive")

    def test_deleting_a_request_finds_its_directory_companies_by_an_index(self):
        # The foreign key's ON DELETE SET NULL runs this for each request deleted.
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("""
            EXPLAIN UPDATE crm_iap_lead_directory_company SET last_request_id = NULL WHERE last_request_id = 1
        """)
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("Index Cond: (last_request_id = 1)", plan)


@tagged("post_install", "-at_install")
class TestTestsLayout(BaseCase):
    """Shared test code lives in helper modules (tests/common.py, ...), never
    in a test module that others import (their test classes would run there
    again, and a change to one would break the other)."""

    def test_no_test_module_imports_another(self):
        problems = tests_layout_problems(os.path.join(ADDON_DIR, "tests"))
        self.assertFalse(problems, "\n".join(problems))

    def test_the_check_finds_each_kind_of_problem(self):
        files = {
            "__init__.py": "from . import test_a\nfrom . import common\n",
            "common.py": "class Base:\n    def test_shared(self):\n        pass\n",
            "test_a.py": "from .common import Base\nfrom . import test_b\n",
            "test_b.py": "from odoo.addons.crm_iap_mine.tests import test_a\nfrom ..tests.common import Base\n",
            "helper.py": "import odoo.addons.crm_iap_mine.tests.test_a\nfrom ..tests.test_b import B\n",
        }
        with tempfile.TemporaryDirectory() as folder:
            for file_name, source in files.items():
                with open(os.path.join(folder, file_name), "w", encoding="utf-8") as module:
                    module.write(source)
            problems = tests_layout_problems(folder)
        self.assertEqual(problems, [
            "__init__.py imports common, which is no test module (test_*.py)",
            "common.py: Base.test_shared would run in every test module that imports it",
            "helper.py imports the test module test_a: shared code belongs in common.py",
            "helper.py imports the test module test_b: shared code belongs in common.py",
            "test_a.py imports the test module test_b: shared code belongs in common.py",
            "test_b.py is not imported by __init__.py: its tests never run",
            "test_b.py imports the test module test_a: shared code belongs in common.py",
        ])
