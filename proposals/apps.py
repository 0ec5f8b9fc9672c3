from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "征集选题"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from .panels import book_panel

        register_panel(book_panel)

        from reform_portal.reminders import register_reminder_source

        from .reminders import proposal_deadline_source

        register_reminder_source(proposal_deadline_source)
