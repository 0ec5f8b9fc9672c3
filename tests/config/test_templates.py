"""Templates keep Django's accessibility contract for help text (issue 18 §8): a widget with help text points at
``<auto_id>_helptext`` (aria-describedby), so every element of a template that prints a field's help text must
carry that id, or a screen reader reads nothing."""

import re
from pathlib import Path

from django.conf import settings

PRINTS_HELP = re.compile(r"<(\w+)([^>]*)>\s*\{\{\s*([\w.]+)\.help_text")


def test_every_printed_help_text_has_the_id_the_widget_points_at():
    templates = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
    printed, wrong = 0, []
    for path in templates:
        for match in PRINTS_HELP.finditer(path.read_text(encoding="utf-8")):
            printed += 1
            tag, attrs, field = match.groups()
            if f'id="{{{{ {field}.auto_id }}}}_helptext"' not in attrs:
                wrong.append(f"{path.relative_to(settings.BASE_DIR)}: <{tag}{attrs}> {{{{ {field}.help_text")
    assert printed >= 9
    assert wrong == []


def test_no_table_has_an_empty_header_cell():
    """An empty <th> leaves a column nameless for a screen reader; the action columns say 操作 (visually hidden)."""
    templates = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
    empty = [
        str(p.relative_to(settings.BASE_DIR))
        for p in templates
        if re.search(r"<th[^>]*>\s*</th>", p.read_text())
    ]
    assert empty == []
