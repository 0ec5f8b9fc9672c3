"""Print the state tables, or write them into docs/architecture.md (a test keeps the two equal).

manage.py transitions              # Markdown to stdout
manage.py transitions --update-docs
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from reform_portal.transitions import workflows

BEGIN, END = "<!-- transitions:begin -->", "<!-- transitions:end -->"


def docs_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "architecture.md"


def tables_markdown() -> str:
    return "\n\n".join(flow.markdown() for flow in workflows())


def docs_block(text: str) -> str:
    """What stands between the two markers of docs/architecture.md."""
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


class Command(BaseCommand):
    help = "Prints every workflow's state table (state → action → next state, who may, guards)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update-docs", action="store_true", help="write the tables into docs/architecture.md"
        )

    def handle(self, *args, update_docs=False, **options):
        if not update_docs:
            self.stdout.write(tables_markdown())
            return
        path = docs_path()
        text = path.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        path.write_text(f"{head}{BEGIN}\n{tables_markdown()}\n{END}{tail}", encoding="utf-8")
        self.stdout.write(f"{path}: {len(workflows())} tables")
