"""Filters of stage 2's lists (issue 18 §4), in the 揭榜任务 list's style (bidding/filters.py): they narrow the
queryset the view gives them (already the user's own), never widen it."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from proposals.enums import ReformArea

from .enums import ListState
from .models import Consultation, ExpertReview, MeasureList, SynonymGroup

ALL = _("全部")


class ErrorMessages:
    @property
    def error_messages(self) -> list[str]:
        return [
            f"{self.form.fields[name].label}：{error}"  # type: ignore[attr-defined]
            for name, errors in self.form.errors.items()  # type: ignore[attr-defined]
            for error in errors
        ]


class ListFilter(ErrorMessages, django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=ListState.choices, empty_label=ALL)

    class Meta:
        model = MeasureList
        fields = ["state"]


REVIEW_STATES = [("pending", _("待论证")), ("submitted", _("已提交"))]


class ReviewFilter(ErrorMessages, django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=REVIEW_STATES, empty_label=ALL, method="filter_state"
    )
    area = django_filters.ChoiceFilter(
        label=_("改革任务领域"), field_name="measure__area", choices=ReformArea.choices, empty_label=ALL
    )

    class Meta:
        model = ExpertReview
        fields = ["state", "area"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(submitted_at__isnull=value == "pending")


CONSULTATION_STATES = [("waiting", _("待反馈")), ("answered", _("已反馈或已公布"))]


class ConsultationFilter(ErrorMessages, django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("反馈状态"), choices=CONSULTATION_STATES, empty_label=ALL, method="filter_state"
    )

    class Meta:
        model = Consultation
        fields = ["state"]

    def filter_state(self, queryset, name, value):
        # the queryset carries ``waiting`` (selectors.consultation_list)
        return queryset.filter(waiting=value == "waiting")


class SynonymFilter(ErrorMessages, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("用语"), method="filter_words", max_length=40)

    class Meta:
        model = SynonymGroup
        fields = ["q"]

    def filter_words(self, queryset, name, value):
        value = value.replace("\x00", "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(canonical__icontains=value) | Q(variants__icontains=value))
