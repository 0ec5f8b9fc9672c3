from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    DeadlineExtension,
    Invitation,
    Notification,
    Organization,
    OutboxMessage,
    ReformCycle,
    Region,
    ReminderLog,
    User,
)
from .services import extension_grant


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "short_name"]
    list_select_related = ["region"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "organization", "email", "is_active"]
    list_filter = ["groups", "organization__kind", "is_active"]
    search_fields = ["username", "full_name", "email", "organization__name"]
    list_select_related = ["organization"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("单位与联系方式"), {"fields": ["full_name", "organization", "post", "phone"]}),
    )
    autocomplete_fields = ["organization"]


@admin.register(ReformCycle)
class ReformCycleAdmin(SimpleHistoryAdmin):
    list_display = [
        "year",
        "state",
        "proposal_deadline",
        "bidding_opens",
        "bidding_deadline",
        "evaluation_due",
    ]
    # The state moves only through the reviewers' stage actions (年度工作安排, the cycle's table).
    readonly_fields = ["state"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(SimpleHistoryAdmin):
    list_display = ["cycle", "region", "stage", "until", "granted_by", "granted_at"]
    list_filter = ["cycle", "stage", "region"]
    exclude = ["granted_by"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the reviewer-only rule and date checks hold in the admin too.
        granted = extension_grant(
            cycle=obj.cycle,
            region=obj.region,
            stage=obj.stage,
            until=obj.until,
            reason=obj.reason,
            by=request.user,
        )
        obj.pk = granted.pk


@admin.register(Notification)
class NotificationAdmin(SimpleHistoryAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]


@admin.register(ReminderLog)
class ReminderLogAdmin(SimpleHistoryAdmin):
    """Read-only: the log is written by the reminder tasks only (its key is the idempotency guard)."""

    list_display = ["key", "object_label", "recipient", "offset_days", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "cycle"]
    search_fields = ["key", "object_label", "recipient__username"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read only: what the relay and the workers did with the work recorded after each commit."""

    list_display = ["pk", "task_name", "state", "attempts", "created_at", "dispatched_at", "finished_at"]
    list_filter = ["state", "task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    """Read-only: invitations are made and re-sent on the portal's 用户与邀请 page (services.user_invite)."""

    list_display = ["user", "role", "invited_by", "created_at", "send_count", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "user__email"]
    list_select_related = ["user", "invited_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
