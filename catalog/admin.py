"""Admin for 制定清单. Saves go through the services; published list versions and their entries are
read-only (frozen)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    Consultation,
    DepartmentOpinion,
    ExpertReview,
    ListEntry,
    Measure,
    MeasureInclusion,
    MeasureList,
    MeasureSource,
    ProposalRejection,
)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Rows written only by the services (from the portal's pages); the admin shows them and their history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SourceInline(admin.TabularInline):
    model = MeasureSource
    extra = 0
    can_delete = False
    readonly_fields = ["proposal", "region", "proposal_title", "added_by", "added_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["title", "cycle", "area", "authority_level", "revision", "updated_at"]
    list_filter = ["cycle", "area"]
    search_fields = ["title", "description"]
    fields = services.MEASURE_FIELDS
    inlines = [SourceInline]

    def has_add_permission(self, request):
        return False  # measures are made by merging proposals (汇总与合并 page)

    def has_delete_permission(self, request, obj=None):
        return False  # undo a merge on the measure's page, where the rule is checked

    def save_model(self, request, obj, form, change):
        services.measure_update(
            measure=obj,
            fields={k: form.cleaned_data[k] for k in services.MEASURE_FIELDS},
            reason="管理后台修订",
            by=request.user,
        )


class EntryInline(admin.TabularInline):
    model = ListEntry
    extra = 0
    can_delete = False
    fields = ["number", "title", "area", "source_regions"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MeasureList)
class MeasureListAdmin(SimpleHistoryAdmin):
    list_display = ["title", "cycle", "version", "state", "published_at"]
    list_filter = ["cycle", "state"]
    fields = ["title"]
    inlines = [EntryInline]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False  # new versions are made on the 清单版本 page (services.list_draft)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False  # a published version is frozen
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            services.list_update(measure_list=obj, title=form.cleaned_data["title"], by=request.user)
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc

    @admin.action(description="公布所选清单版本")
    def publish(self, request, queryset):
        for measure_list in queryset:
            try:
                services.list_publish(measure_list=measure_list, by=request.user)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(
                    request,
                    f"{measure_list}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}",
                    messages.ERROR,
                )


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["number", "title", "measure_list"]
    list_filter = ["measure_list"]


@admin.register(MeasureSource)
class MeasureSourceAdmin(ReadOnlyHistoryAdmin):
    list_display = ["proposal_title", "region", "measure", "added_at"]


@admin.register(ProposalRejection)
class ProposalRejectionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["proposal", "reason", "decided_by", "decided_at"]


@admin.register(MeasureInclusion)
class MeasureInclusionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["measure", "included", "note"]


@admin.register(ExpertReview)
class ExpertReviewAdmin(ReadOnlyHistoryAdmin):
    list_display = ["measure", "expert", "recommendation", "submitted_at"]
    list_filter = ["recommendation"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["measure_list", "ministry", "sent_at"]


@admin.register(DepartmentOpinion)
class DepartmentOpinionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["consultation", "measure", "stance", "responded_at"]
