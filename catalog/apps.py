from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "制定清单"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from . import (
            search,  # noqa: F401  (registers the kinds of the one search box)
            tasks,  # noqa: F401  (registers the Celery tasks that services queue by name)
            transitions,  # noqa: F401  (registers the state tables)
        )
        from .panels import outcome_panel, reviewer_panel

        register_panel(outcome_panel)
        register_panel(reviewer_panel)

        from django.db.models.signals import post_delete, post_save

        from .models import SynonymGroup
        from .services import synonyms_changed

        post_save.connect(synonyms_changed, sender=SynonymGroup, dispatch_uid="catalog-synonyms-saved")
        post_delete.connect(synonyms_changed, sender=SynonymGroup, dispatch_uid="catalog-synonyms-deleted")

        from reform_portal.cycles import register_effect, register_outstanding

        from .cycle_hooks import publish_latest_draft, publish_outstanding

        register_outstanding("publish_list", publish_outstanding)
        register_effect("publish_list", publish_latest_draft)

        from reform_portal.reminders import register_reminder_source

        from .reminders import consultation_source, expert_review_source

        register_reminder_source(expert_review_source)
        register_reminder_source(consultation_source)

        from reform_portal.enums import Role as _Role
        from reform_portal.navigation import register_archive
        from reform_portal.years import register_open_items

        from . import open_items

        register_open_items(
            open_items.reviewer_items,
            roles=[_Role.NATIONAL_REVIEWER],
            kinds=[open_items.MERGE, open_items.OPINION_RESPONSE],
        )
        open_items.watch_reviewer_open()  # the stored counts follow every change of what they count
        register_open_items(open_items.expert_items, roles=[_Role.EXPERT], kinds=[open_items.EXPERT_REVIEW])
        register_archive(open_items.archive_links)
        register_open_items(
            open_items.liaison_items, roles=[_Role.MINISTRY_LIAISON], kinds=[open_items.CONSULTATION]
        )

        from django.utils.translation import gettext_lazy as _

        from reform_portal.dashboard import register_next_action
        from reform_portal.enums import Role, Stage
        from reform_portal.navigation import register_nav, register_public_link

        register_nav(Role.NATIONAL_REVIEWER, _("汇总与合并"), "catalog:merge", order=20)
        register_nav(Role.NATIONAL_REVIEWER, _("举措清单"), "catalog:lists", order=30)
        register_nav(Role.EXPERT, _("专家论证"), "catalog:my_reviews", order=10)
        register_nav(Role.MINISTRY_LIAISON, _("征求意见"), "catalog:consultations", order=10)
        register_public_link(
            _("年度全面改革创新举措清单"), "catalog:published", order=10, testid="home-published-list"
        )
        register_next_action(
            Role.NATIONAL_REVIEWER,
            Stage.REVIEW,
            _("汇总与合并同类项、组织专家论证、征求有关部门意见并公布举措清单"),
            "catalog:merge",
        )
        register_next_action(
            Role.EXPERT, Stage.REVIEW, _("对分配给您的改革举措进行专家论证并打分"), "catalog:my_reviews"
        )
        register_next_action(
            Role.MINISTRY_LIAISON,
            Stage.REVIEW,
            _("对征求意见的举措清单逐项反馈部门意见"),
            "catalog:consultations",
        )
