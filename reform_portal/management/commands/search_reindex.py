"""Rebuild the search index (``reform_portal.search``): after an upgrade, or after bulk changes made without the
services (fixtures, ``QuerySet.update``)."""

from django.core.management.base import BaseCommand

from reform_portal import search


class Command(BaseCommand):
    help = "重建检索索引 (rebuild the search index of every registered kind)"

    def add_arguments(self, parser):
        parser.add_argument(
            "kinds", nargs="*", help="only these kinds (proposal, measure, list_entry, task, outcome)"
        )

    def handle(self, *args, **options):
        n = search.reindex(options["kinds"] or None)
        self.stdout.write(f"indexed {n} objects")
