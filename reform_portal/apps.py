from django.apps import AppConfig


class ReformPortalConfig(AppConfig):
    name = "reform_portal"
    verbose_name = "基础数据"

    def ready(self):
        from . import signals  # noqa: F401
