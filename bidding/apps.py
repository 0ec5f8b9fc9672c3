from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = "悬榜揭榜"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from .panels import bidding_panel

        register_panel(bidding_panel)
