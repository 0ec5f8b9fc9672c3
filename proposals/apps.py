from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "征集选题"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from . import (
            search,  # noqa: F401  (registers the kinds of the one search box)
            transitions,  # noqa: F401  (registers the state table)
        )
        from .panels import book_panel

        register_panel(book_panel)

        from reform_portal.cycles import register_effect, register_outstanding

        from .cycle_hooks import close_books, regions_not_submitted

        register_outstanding("close_proposals", regions_not_submitted)  # who is still out (early 结束征集)
        register_outstanding("publish_list", regions_not_submitted)
        register_effect("close_proposals", close_books)  # submitted books become 已进入汇总

        from reform_portal.reminders import register_reminder_source

        from .reminders import proposal_deadline_source

        register_reminder_source(proposal_deadline_source)

        from reform_portal.selectors import register_entity_name_source

        from .selectors import typed_entity_names

        register_entity_name_source(typed_entity_names)  # the library page offers the names typed in 建议书

        from reform_portal.enums import Role as _Role
        from reform_portal.years import register_open_items

        from .open_items import OPEN_KINDS, region_books

        register_open_items(region_books, roles=[_Role.REGIONAL_STAFF], kinds=OPEN_KINDS)

        from django.utils.translation import gettext_lazy as _

        from reform_portal.dashboard import register_next_action
        from reform_portal.enums import Role, Stage
        from reform_portal.navigation import register_nav

        register_nav(Role.REGIONAL_STAFF, _("本年度建议书"), "proposals:book", order=10)
        register_nav(Role.NATIONAL_REVIEWER, _("建议书报送情况"), "proposals:inbox", order=10)
        register_next_action(
            Role.REGIONAL_STAFF,
            Stage.PROPOSAL,
            _("填报并联合报送本年度《全面创新改革举措建议书》（3—5项改革举措，发展改革委与科技厅共同确认）"),
            "proposals:book",
        )
        register_next_action(
            Role.REGIONAL_STAFF,
            Stage.REVIEW,
            _("国家发展改革委、科技部正在汇总论证，可查看本地区建议书的采纳情况"),
            "proposals:book",
        )
        register_next_action(
            Role.NATIONAL_REVIEWER,
            Stage.PROPOSAL,
            _("跟踪各地建议书报送情况，必要时退回修改或批准延期"),
            "proposals:inbox",
        )
