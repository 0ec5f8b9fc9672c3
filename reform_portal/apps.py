from django.apps import AppConfig


class ReformPortalConfig(AppConfig):
    name = "reform_portal"
    verbose_name = "基础数据"

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_delete, post_migrate, post_save
        from django.utils.translation import gettext_lazy as _

        from . import outbox, permissions, prepared, signals, tallies, text  # noqa: F401 - outbox: the Celery signals that finish outbox rows
        from .enums import Role
        from .navigation import register_nav

        # The word segmenter's dictionary holds the region names: it follows a region added, renamed or deleted.
        region = self.get_model("Region")
        post_save.connect(text.region_names_changed, sender=region, dispatch_uid="text-region-saved")
        post_delete.connect(text.region_names_changed, sender=region, dispatch_uid="text-region-deleted")
        # Stored per-cycle aggregates are computed again after a migration (a data migration saves without signals).
        post_migrate.connect(tallies.invalidate_everything, sender=self, dispatch_uid="tallies-after-migrate")
        # …and compiled queries are compiled again: their constants may be keys a migrate or a flush gave anew
        # (content types and permissions are recreated after a test database's flush).
        post_migrate.connect(prepared.forget_all, sender=self, dispatch_uid="prepared-after-migrate")
        post_migrate.connect(permissions.forget_querysets, sender=self, dispatch_uid="guardian-after-migrate")
        # The accounts a reviewer or a region keeps (invitations, states): the kernel's own page.
        register_nav(
            Role.NATIONAL_REVIEWER, _("用户与邀请"), "account_users", order=90, testid="nav-accounts"
        )
        register_nav(Role.REGIONAL_STAFF, _("实施主体用户"), "account_users", order=90, testid="nav-accounts")
        # Organisations without /admin/: the reference data and experts; a region's implementing entities.
        register_nav(
            Role.NATIONAL_REVIEWER, _("单位管理"), "organizations", order=88, testid="nav-organizations"
        )
        register_nav(Role.NATIONAL_REVIEWER, _("评审专家"), "experts", order=89, testid="nav-experts")
        # 年度工作安排: open a year, its dates, its stage actions (reform_portal.cycles).
        register_nav(Role.NATIONAL_REVIEWER, _("年度工作安排"), "cycle_years", order=5, testid="nav-years")
        from .dashboard import register_next_action
        from .enums import CycleState

        register_next_action(
            Role.NATIONAL_REVIEWER,
            CycleState.PLANNING,
            _("确认本年度各阶段日期和数量，然后“开始征集”"),
            "cycle_years",
        )
        register_nav(
            Role.REGIONAL_STAFF, _("实施主体单位库"), "organizations", order=88, testid="nav-organizations"
        )
        checks.register(check_totp_roles)
        from .sso import check_sso_settings

        checks.register(check_sso_settings)


def check_totp_roles(app_configs=None, **kwargs):
    """PORTAL_REQUIRE_TOTP_ROLES names roles or "superuser": a misspelt one would silently require nothing."""
    from django.conf import settings
    from django.core import checks

    from .enums import Role

    unknown = [r for r in settings.PORTAL_REQUIRE_TOTP_ROLES if r not in {*Role.values, "superuser"}]
    return (
        [
            checks.Error(
                f"PORTAL_REQUIRE_TOTP_ROLES names {', '.join(unknown)}: not a role",
                hint=f"Use any of: superuser, {', '.join(Role.values)}.",
                id="reform_portal.E001",
            )
        ]
        if unknown
        else []
    )
