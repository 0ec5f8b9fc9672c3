from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = "悬榜揭榜"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from . import (
            search,  # noqa: F401  (registers the kinds of the one search box)
            transitions,  # noqa: F401  (registers the state tables)
        )
        from .panels import bidding_panel, watch_reviewer_figures

        register_panel(bidding_panel)
        watch_reviewer_figures()  # the reviewers' stored figures follow every change of what they count

        from .selectors import watch_progress_regions

        watch_progress_regions()  # so do the 实施进展看板's per-region figures

        from catalog.services import register_entry_keeper

        from .entry_keeper import entries_move, entry_uses

        register_entry_keeper(entry_uses, entries_move)  # a corrected list version keeps the bids and tasks

        from reform_portal.cycles import register_outstanding

        from .cycle_hooks import awards_waiting, regions_not_bid

        register_outstanding("close_bidding", regions_not_bid)  # who is still out (early 结束揭榜)
        register_outstanding("confirm_bidding", awards_waiting)

        from reform_portal.reminders import register_reminder_source

        from .reminders import bidding_deadline_source, milestone_source

        register_reminder_source(bidding_deadline_source)
        register_reminder_source(milestone_source)

        from reform_portal.selectors import register_entity_name_source

        from .selectors import typed_entity_names

        register_entity_name_source(typed_entity_names)  # the library page offers the names typed in 揭榜

        from reform_portal.years import register_open_items

        from .open_items import PROVIDERS

        for open_role, provider, kinds in PROVIDERS:
            register_open_items(provider, roles=[open_role], kinds=kinds)

        from django.utils.translation import gettext_lazy as _

        from reform_portal.dashboard import register_next_action
        from reform_portal.enums import Role, Stage
        from reform_portal.navigation import register_nav

        register_nav(Role.REGIONAL_STAFF, _("揭榜"), "bidding:bids", order=20)
        register_nav(Role.REGIONAL_STAFF, _("揭榜任务"), "bidding:tasks", order=30)
        register_nav(Role.NATIONAL_REVIEWER, _("汇总揭榜结果"), "bidding:matrix", order=40)
        register_nav(Role.NATIONAL_REVIEWER, _("任务进展"), "bidding:progress", order=50)
        register_nav(Role.IMPLEMENTER, _("揭榜任务"), "bidding:tasks", order=10)
        for role, stage, text, url_name in [
            (
                Role.REGIONAL_STAFF,
                Stage.BIDDING,
                _("揭榜：认领年度举措清单中不少于规定数量的改革任务并联合报送"),
                "bidding:bids",
            ),
            (
                Role.REGIONAL_STAFF,
                Stage.IMPLEMENTATION,
                _("组织实施：细化时间表、路线图、责任人，按期报送进展"),
                "bidding:tasks",
            ),
            (
                Role.REGIONAL_STAFF,
                Stage.EVALUATION,
                _("配合第三方评估，总结凝练可复制推广的改革成果"),
                "bidding:tasks",
            ),
            (
                Role.NATIONAL_REVIEWER,
                Stage.BIDDING,
                _("汇总揭榜结果，确认揭榜并下达揭榜任务通知书"),
                "bidding:matrix",
            ),
            (
                Role.NATIONAL_REVIEWER,
                Stage.IMPLEMENTATION,
                _("跟踪各地任务进展，答复协调解决事项"),
                "bidding:progress",
            ),
            (
                Role.IMPLEMENTER,
                Stage.IMPLEMENTATION,
                _("按时间表推进所承担的改革任务并报送进展"),
                "bidding:tasks",
            ),
            (Role.IMPLEMENTER, Stage.EVALUATION, _("配合第三方评估"), "bidding:tasks"),
        ]:
            register_next_action(role, stage, text, url_name)
