from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "制定清单"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from .panels import outcome_panel, reviewer_panel

        register_panel(outcome_panel)
        register_panel(reviewer_panel)
