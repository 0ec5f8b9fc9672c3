from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import DeadlineExtension, Organization, ReformCycle, Region, User
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
    list_display = ["year", "proposal_deadline", "bidding_opens", "bidding_deadline", "evaluation_due"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(SimpleHistoryAdmin):
    list_display = ["cycle", "region", "stage", "until", "granted_by", "granted_at"]
    list_filter = ["cycle", "stage", "region"]
    exclude = ["granted_by"]

    def save_model(self, request, obj, form, change):
        # Through the service, so the reviewer-only rule and date checks hold in the admin too.
        granted = extension_grant(cycle=obj.cycle, region=obj.region, stage=obj.stage, until=obj.until,
                                  reason=obj.reason, by=request.user)
        obj.pk = granted.pk
