"""The 揭榜任务 list's filters (issue 18 §4). They narrow the permission-filtered queryset the view gives them;
they never widen it (a region's staff choose among their own tasks only)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from proposals.enums import ReformArea
from reform_portal.enums import OrgLevel
from reform_portal.models import DocNumber, DocNumberState, Region

from . import selectors
from .enums import TaskState
from .models import Task


class TaskFilter(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(
        label=_("地区"),
        queryset=Region.objects.none(),
        to_field_name="code",
        empty_label=_("全部"),
    )
    state = django_filters.ChoiceFilter(label=_("状态"), choices=TaskState.choices, empty_label=_("全部"))
    area = django_filters.ChoiceFilter(
        label=_("改革任务领域"), field_name="entry__area", choices=ReformArea.choices, empty_label=_("全部")
    )
    level = django_filters.ChoiceFilter(
        label=_("分层推进层级"), choices=OrgLevel.choices, empty_label=_("全部"), method="filter_level"
    )
    q = django_filters.CharFilter(label=_("任务名称"), method="filter_title")

    class Meta:
        model = Task
        fields = ["region", "state", "area", "level", "q"]

    def __init__(self, data=None, queryset=None, *, cycle=None, regions=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.cycle = cycle
        # Only the regions of the tasks the user may see: the filter can only narrow.
        self.filters["region"].queryset = regions if regions is not None else Region.objects.none()
        self.form.fields["region"].queryset = self.filters["region"].queryset
        self.form.fields["q"].max_length = 80

    def filter_level(self, queryset, name, value):
        # 分层推进: tasks with an implementing entity of that level
        return queryset.filter(pk__in=selectors.progress_tasks(self.cycle, level=value).values("pk"))

    def filter_title(self, queryset, name, value):
        words = value.split()
        condition = Q()
        for word in words:  # every word (AND), anywhere in the title
            condition &= Q(entry__title__icontains=word)
        return queryset.filter(condition)

    @property
    def error_messages(self) -> list[str]:
        return [
            f"{self.form.fields[name].label}：{error}"
            for name, errors in self.form.errors.items()
            for error in errors
        ]


class DocNumberFilter(django_filters.FilterSet):
    """The 发文字号 register's numbers: by state, by 公文种类 and by words of the number or its 事由."""

    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=DocNumberState.choices, empty_label=_("全部")
    )
    kind = django_filters.CharFilter(label=_("公文种类"), lookup_expr="icontains", max_length=40)
    q = django_filters.CharFilter(label=_("发文字号或事由"), method="filter_text", max_length=80)

    class Meta:
        model = DocNumber
        fields = ["state", "kind", "q"]

    def filter_text(self, queryset, name, value):
        value = value.replace("\x00", "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(subject__icontains=value))
