"""The kernel names no stage (docs/architecture.md): not by import, not by a URL namespace, an app label, a
module path or a template path in a string. Stage apps reach the kernel through its registries instead."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ABOVE_THE_KERNEL = ("proposals", "catalog", "grassroots", "bidding", "evaluation", "tools", "config", "bench")
NAMES = re.compile(rf"^({'|'.join(ABOVE_THE_KERNEL)})([.:/].*)?$")
TEMPLATE_NAMES = re.compile(rf"""["']({"|".join(ABOVE_THE_KERNEL)})[:/.]""")


# The one-line shims that keep the shell's old module names for existing deployments (README: Upgrading).
SHIMS = {"celery.py", "settings_production.py", "wsgi.py"}


def kernel_sources():
    for path in sorted((ROOT / "reform_portal").rglob("*.py")):
        if "migrations" not in path.parts and not (
            path.parent.name == "reform_portal" and path.name in SHIMS
        ):
            yield path


def _stage_enum_values(tree):
    """The values of ``Stage`` (``BIDDING = "bidding", _("悬榜揭榜")``) are the cycle's states, not app labels."""
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Stage":
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Tuple):
                    allowed.add(id(stmt.value.elts[0]))
    return allowed


def offences(source: str) -> list[str]:
    tree = ast.parse(source)
    allowed = _stage_enum_values(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in ABOVE_THE_KERNEL]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in ABOVE_THE_KERNEL:
                found.append(f"from {node.module}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in allowed:
            if NAMES.match(node.value):
                found.append(repr(node.value))
    return found


@pytest.mark.parametrize("path", list(kernel_sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_kernel_module_names_no_stage(path):
    assert offences(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "templates" / "reform_portal").glob("*.html")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_kernel_template_names_no_stage(path):
    assert TEMPLATE_NAMES.findall(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from proposals.models import ProposalBook",
        "import catalog.similarity",
        'x = reverse("bidding:matrix")',
        'importlib.import_module("evaluation.demo")',
        'apps.get_model("catalog", "Measure")',
        'render(request, "proposals/book_detail.html", {})',
        'NEXT = {"regional_staff": "tools.management"}',
    ],
)
def test_the_check_finds_each_way_of_naming_a_stage(source):
    assert offences(source) != []


def test_the_shims_are_one_line_each():
    for name in SHIMS:
        lines = (ROOT / "reform_portal" / name).read_text(encoding="utf-8").strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("from config."), name


def test_the_check_lets_the_cycle_states_through():
    source = (
        'class Stage:\n    BIDDING = "bidding", _("悬榜揭榜")\n    EVALUATION = "evaluation", _("评估激励")\n'
    )
    assert offences(source) == []
    assert offences('bidding_opens = models.DateField(_("揭榜开始"))') == []
