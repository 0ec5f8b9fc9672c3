"""Organisations without /admin/ (DECISIONS §14): national reviewers keep the reference data (the regions'
departments, the national departments, ministries, agencies, experts' employers) and the experts; regional staff
keep their region's library of implementing entities and add the names typed in their 建议书 and 揭榜. Both invite
users for an organisation from its page (the invitation of ``account_views``). And every user's own 个人设置
(the phone, 短信 / 政务IM). Thin: services, selectors and rules do the work."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .actions import errors_onto_form
from .channels import enabled_channels
from .enums import OrgKind, Role
from .forms import ExpertForm, OrganizationForm, SettingsForm, add_revision_field, parse_search_text
from .pagination import paginate
from .permissions import role_required
from .rules import can_edit_organization, can_invite
from .selectors import experts, organizations_visible_to, typed_entity_names

KEEPERS = (Role.NATIONAL_REVIEWER, Role.REGIONAL_STAFF)


def _form_data(form):
    return {k: v for k, v in form.cleaned_data.items() if k != "revision"}


@role_required(*KEEPERS)
@require_http_methods(["GET"])
def organizations(request):
    national = request.user.has_role(Role.NATIONAL_REVIEWER)
    rows = organizations_visible_to(request.user).annotate(
        n_users=Count("users", filter=Q(users__is_active=True), distinct=True)
    )
    kind = request.GET.get("kind", "")
    if kind in OrgKind.values:
        rows = rows.filter(kind=kind)
    query = parse_search_text(request.GET.get("q"), 50)
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(credit_code=query.upper())
        )
    page, params = paginate(request, rows)
    typed = [] if national else typed_entity_names(request.user.region_id)
    for item in typed:
        item["add_url"] = reverse("organization_new") + "?" + urlencode({"name": item["name"]})
    return render(
        request,
        "reform_portal/organizations.html",
        {
            "page": page,
            "query": params,
            "q": query,
            "kind": kind,
            "kinds": OrgKind.choices if national else [(k.value, k.label) for k in OrgKind.implementing()],
            "national": national,
            "typed": typed,
        },
    )


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def organization_new(request):
    initial = {
        "name": parse_search_text(request.GET.get("name"), 100),
        "kind": request.GET.get("kind", ""),
    }
    form = OrganizationForm(request.POST or None, by=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org, existing = services.organization_create(fields=_form_data(form), by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("“%(name)s”已在单位库中（统一社会信用代码相同），已列入本地区的实施主体单位库。")
                % {"name": org.name}
                if existing
                else _("已添加“%(name)s”。") % {"name": org.name},
            )
            return redirect("organization_detail", pk=org.pk)
    return render(request, "reform_portal/organization_form.html", {"form": form, "organization": None})


@role_required(*KEEPERS)
@require_http_methods(["GET"])
def organization_detail(request, pk):
    org = get_object_or_404(organizations_visible_to(request.user), pk=pk)
    roles = Group.objects.filter(name__in=Role.values)
    users = (
        org.users.filter(is_superuser=False)
        .select_related("invitation")
        .prefetch_related(Prefetch("groups", queryset=roles, to_attr="role_groups"))
        .order_by("username")
    )
    if not request.user.has_role(Role.NATIONAL_REVIEWER) and org.region_id != request.user.region_id:
        users = users.none()  # another region's entity in this library: its people are that region's
    invite_roles = [r for r in Role if can_invite(request.user, org, r)[0]]
    return render(
        request,
        "reform_portal/organization_detail.html",
        {
            "org": org,
            "users": [
                {"user": u, "roles": "、".join(str(Role(g.name).label) for g in u.role_groups)} for u in users
            ],
            "can_edit": can_edit_organization(request.user, org)[0],
            "invite_links": [
                (
                    role.label,
                    reverse("account_invite") + "?" + urlencode({"organization": org.pk, "role": role.value}),
                )
                for role in invite_roles
            ],
            "used_by": list(org.used_by.order_by("code")),
        },
    )


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk):
    org = get_object_or_404(organizations_visible_to(request.user), pk=pk)
    allowed, reason = can_edit_organization(request.user, org)
    if not allowed:
        raise PermissionDenied(reason)
    initial = {f: getattr(org, f) for f in services.ORGANIZATION_FIELDS}
    form = OrganizationForm(request.POST or None, by=request.user, initial=initial, revision=org.revision)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=org,
                fields=_form_data(form),
                by=request.user,
                revision=form.cleaned_data.get("revision"),
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("单位信息已保存。"))
            return redirect("organization_detail", pk=org.pk)
    return render(request, "reform_portal/organization_form.html", {"form": form, "organization": org})


@role_required(Role.NATIONAL_REVIEWER)
@require_http_methods(["GET"])
def expert_list(request):
    page, params = paginate(request, experts())
    return render(
        request,
        "reform_portal/experts.html",
        {"page": page, "query": params, "invite_url": reverse("account_invite") + "?role=expert"},
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_http_methods(["GET", "POST"])
def expert_edit(request, pk):
    expert = get_object_or_404(experts(), pk=pk)
    form = ExpertForm(
        request.POST or None, initial={"organization": expert.organization_id, "post": expert.post}
    )
    add_revision_field(form, expert.revision)
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_update(
                expert=expert,
                organization=form.cleaned_data["organization"],
                post=form.cleaned_data["post"],
                by=request.user,
                revision=form.cleaned_data["revision"],
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("已保存%(name)s的所在单位。") % {"name": expert})
            return redirect("experts")
    return render(request, "reform_portal/expert_form.html", {"form": form, "expert": expert})


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    """个人设置 (every user): the phone, and 短信 / 政务IM for the notifications when the office has a gateway."""
    user = request.user
    form = SettingsForm(request.POST or None, initial={"phone": user.phone, "notify_sms": user.notify_sms})
    channels = enabled_channels()
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_settings(
                user=user,
                phone=form.cleaned_data["phone"],
                notify_sms=bool(form.cleaned_data["notify_sms"] and channels),
                by=user,
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("个人设置已保存。"))
            return redirect("account_settings")
    return render(
        request,
        "reform_portal/account_settings.html",
        {"form": form, "channels": channels, "label": settings.PORTAL_SMS_GATEWAY_LABEL},
    )
