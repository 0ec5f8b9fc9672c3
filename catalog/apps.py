from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "制定清单"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from .panels import outcome_panel, reviewer_panel

        register_panel(outcome_panel)
        register_panel(reviewer_panel)

        from reform_portal.reminders import register_reminder_source

        from .reminders import consultation_source, expert_review_source

        register_reminder_source(expert_review_source)
        register_reminder_source(consultation_source)
