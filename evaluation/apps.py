from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "评估激励"

    def ready(self):
        from reform_portal.dashboard import register_panel

        from . import (
            search,  # noqa: F401  (registers the kinds of the one search box)
            transitions,  # noqa: F401  (registers the state tables)
        )
        from .panels import evaluation_panel

        register_panel(evaluation_panel)

        from .selectors import watch_reviewer_figures

        watch_reviewer_figures()  # the reviewers' stored figures follow every change of what they count

        from reform_portal.cycles import register_outstanding

        from .cycle_hooks import close_year_outstanding

        register_outstanding("close_year", close_year_outstanding)  # 关闭年度's confirmation page

        from reform_portal.reminders import register_reminder_source

        from .reminders import evaluation_due_source

        register_reminder_source(evaluation_due_source)

        from reform_portal.enums import Role as _Role
        from reform_portal.navigation import register_archive
        from reform_portal.years import register_open_items

        from . import open_items

        register_open_items(
            open_items.evaluator_items, roles=[_Role.EVALUATOR], kinds=[open_items.ASSESSMENT]
        )
        register_open_items(
            open_items.reviewer_items, roles=[_Role.NATIONAL_REVIEWER], kinds=open_items.REVIEWER_KINDS
        )
        register_archive(open_items.archive_links)

        from bidding.sections import register_task_section

        from .sections import incentives_section

        register_task_section(incentives_section)  # the task's 激励 on its page in 揭榜任务

        from django.utils.translation import gettext_lazy as _

        from reform_portal.dashboard import register_next_action
        from reform_portal.enums import Role, Stage
        from reform_portal.navigation import register_nav, register_public_link

        register_nav(Role.NATIONAL_REVIEWER, _("评估激励"), "evaluation:commissions", order=60)
        register_nav(Role.EVALUATOR, _("受托评估任务"), "evaluation:assignments", order=10)
        register_public_link(
            _("可复制推广的改革成果库"), "evaluation:library", order=20, testid="library-link"
        )
        register_next_action(
            Role.NATIONAL_REVIEWER,
            Stage.EVALUATION,
            _("委托第三方机构评估，遴选可复制推广成果并实施激励"),
            "evaluation:commissions",
        )
        register_next_action(
            Role.EVALUATOR,
            Stage.IMPLEMENTATION,
            _("查看受托评估任务，准备评估工作"),
            "evaluation:assignments",
        )
        register_next_action(
            Role.EVALUATOR, Stage.EVALUATION, _("对受托任务开展评估并上传评估报告"), "evaluation:assignments"
        )
