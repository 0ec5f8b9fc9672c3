from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = "悬榜揭榜"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from .panels import bidding_panel

        register_panel(bidding_panel)

        from reform_portal.reminders import register_reminder_source

        from .reminders import bidding_deadline_source, milestone_source

        register_reminder_source(bidding_deadline_source)
        register_reminder_source(milestone_source)
