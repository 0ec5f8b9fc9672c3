from django.apps import AppConfig


class GrassrootsConfig(AppConfig):
    name = "grassroots"
    verbose_name = "基层征集"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from reform_portal.enums import Role
        from reform_portal.navigation import register_nav

        from . import transitions  # noqa: F401  (registers the state tables)

        register_nav(Role.REGIONAL_STAFF, _("基层征集"), "grassroots:home", order=5)
        register_nav(Role.IMPLEMENTER, _("基层征集"), "grassroots:home", order=5)

        from reform_portal.reminders import register_reminder_source

        from .reminders import collection_closing_source, suggestion_digest_source

        register_reminder_source(collection_closing_source)
        register_reminder_source(suggestion_digest_source)

        from .signals import connect

        connect()
