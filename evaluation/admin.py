"""Admin: read-only views of the workflow objects (writes go through the services and their rules);
the per-cycle scheme is saved through ``scheme_update``; outcomes are published by an action."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Assessment, Commission, EvaluationScheme, Incentive, Outcome


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(SimpleHistoryAdmin):
    list_display = [
        "cycle",
        "weight_attainment",
        "weight_breakthrough",
        "weight_replicability",
        "weight_satisfaction",
        "cut_excellent",
        "cut_good",
        "cut_pass",
    ]

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in form.cleaned_data if k != "cycle"}
        saved = services.scheme_update(cycle=obj.cycle, values=values, by=request.user)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = ["agency", "cycle", "due_date", "state", "created_by", "created_at"]
    list_filter = ["cycle", "state"]
    list_select_related = ["agency", "cycle", "created_by"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = [
        "task",
        "commission",
        "state",
        "version",
        "weighted_score",
        "grade",
        "recommend_promotion",
    ]
    list_filter = ["state", "grade", "recommend_promotion"]
    list_select_related = ["task__region", "task__entry", "commission__agency"]


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ["title", "region", "cycle", "area", "state", "published_at"]
    list_filter = ["state", "area", "cycle", "region"]
    search_fields = ["title", "summary"]
    list_select_related = ["region", "cycle"]
    actions = ["publish", "unpublish"]

    @admin.action(description=_("发布到改革成果库"))
    def publish(self, request, queryset):
        for outcome in queryset:
            services.outcome_publish(outcome=outcome, by=request.user)

    @admin.action(description=_("从改革成果库撤回"))
    def unpublish(self, request, queryset):
        for outcome in queryset:
            services.outcome_unpublish(outcome=outcome, by=request.user)


@admin.register(Incentive)
class IncentiveAdmin(ReadOnlyAdmin):
    list_display = ["kind", "region", "organization", "cycle", "granted_by", "granted_at"]
    list_filter = ["kind", "cycle"]
    list_select_related = ["region", "organization", "cycle", "granted_by"]
