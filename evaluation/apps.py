from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "评估激励"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from .panels import evaluation_panel

        register_panel(evaluation_panel)

        from reform_portal.reminders import register_reminder_source

        from .reminders import evaluation_due_source

        register_reminder_source(evaluation_due_source)
