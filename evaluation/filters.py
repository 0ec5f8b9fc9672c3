"""Filters of stage 4's lists (issue 18 §4), in the 揭榜任务 list's style (bidding/filters.py): they narrow the
queryset the view gives them, never widen it."""

import django_filters
from django.utils.translation import gettext_lazy as _

from reform_portal import widgets
from reform_portal.forms import NameChoiceField
from reform_portal.models import Region

from .enums import IncentiveKind, OutcomeState
from .models import Incentive, Outcome

ALL = _("全部")


class _RegionChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = NameChoiceField  # the options from the regions' codes and names, not 31 models (issue 19)


class _RegionFilterSet(django_filters.FilterSet):
    region = _RegionChoiceFilter(
        label=_("地区"),
        queryset=Region.objects.none(),
        to_field_name="code",
        empty_label=ALL,
        widget=widgets.Select,  # the options grow with the regions: written in Python (issue 19)
    )

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        regions = Region.objects.order_by("code")
        self.filters["region"].queryset = regions
        self.form.fields["region"].queryset = regions

    @property
    def error_messages(self) -> list[str]:
        return [
            f"{self.form.fields[name].label}：{error}"
            for name, errors in self.form.errors.items()
            for error in errors
        ]


class OutcomeFilter(_RegionFilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=OutcomeState.choices, empty_label=ALL)

    class Meta:
        model = Outcome
        fields = ["region", "state"]


class IncentiveFilter(_RegionFilterSet):
    kind = django_filters.ChoiceFilter(label=_("激励方式"), choices=IncentiveKind.choices, empty_label=ALL)

    class Meta:
        model = Incentive
        fields = ["kind", "region"]
