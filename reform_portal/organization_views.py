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
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from . import listing, services
from .actions import errors_onto_form
from .channels import enabled_channels
from .enums import OrgKind, Role
from .forms import ExpertForm, OrganizationForm, SettingsForm, add_revision_field, parse_search_text
from .models import Region
from .pagination import paginate
from .permissions import role_required
from .rules import can_edit_organization, can_invite
from .selectors import experts, organizations_visible_to, typed_entity_names

KEEPERS = (Role.NATIONAL_REVIEWER, Role.REGIONAL_STAFF)


def _form_data(form):
    return {k: v for k, v in form.cleaned_data.items() if k != "revision"}


ORGANIZATION_COLUMNS = [
    listing.Column("name", _lazy("单位名称"), ("name",)),
    listing.Column("kind", _lazy("类型"), ("kind",)),
    listing.Column("region", _lazy("所在地区"), ("region__code",)),
    listing.Column("credit_code", _lazy("统一社会信用代码"), ("credit_code",)),
    listing.Column("users", _lazy("用户数"), ("n_users",)),
]


def _region_choices(rows) -> list[Region]:
    """The regions of the rows the user may see: the region filter only narrows."""
    return list(Region.objects.filter(pk__in=rows.order_by().values("region")).order_by("code"))


@role_required(*KEEPERS)
@require_GET
def organizations(request, fmt=None):
    """The reviewers' reference data, or the region's library (``?kind=&region=&q=&sort=``; ``fmt`` exports the
    rows as filtered and sorted)."""
    national = request.user.has_role(Role.NATIONAL_REVIEWER)
    visible = organizations_visible_to(request.user)
    regions = _region_choices(visible)
    rows = visible.annotate(n_users=Count("users", filter=Q(users__is_active=True), distinct=True))
    kind = request.GET.get("kind", "")
    if kind in OrgKind.values:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    region = request.GET.get("region", "")
    if region in {r.code for r in regions}:
        rows = rows.filter(region__code=region)
    else:
        region = ""
    query = parse_search_text(request.GET.get("q"), 50)
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(credit_code=query.upper())
        )
    sorting = listing.Sorting(request, ORGANIZATION_COLUMNS)
    rows = sorting.apply(rows)
    title = _("单位管理") if national else _("实施主体单位库")
    if fmt:
        count = rows.count()
        return listing.export_response(
            request,
            fmt,
            title=title,
            header=[_("单位名称"), _("简称"), _("类型"), _("所在地区"), _("统一社会信用代码"), _("用户数")],
            rows=(
                [
                    o.name,
                    o.short_name,
                    o.get_kind_display(),
                    o.region.name if o.region else "",
                    o.credit_code,
                    o.n_users,
                ]
                for o in (rows if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=title,
            fallback="organizations",
            back=listing.with_query(reverse("organizations"), request),
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
            "region": region,
            "regions": regions,
            "national": national,
            "typed": typed,
            "sorting": sorting,
            "export_query": listing.page_query(request),
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


EXPERT_COLUMNS = [
    listing.Column("name", _lazy("姓名"), ("full_name", "username")),
    listing.Column("post", _lazy("职务"), ("post",)),
    listing.Column("organization", _lazy("所在单位"), ("organization__name",)),
    listing.Column("region", _lazy("所在地区"), ("organization__region__code",)),
]


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def expert_list(request, fmt=None):
    """The experts (``?region=&q=&sort=``; ``fmt`` exports them as filtered and sorted)."""
    rows = experts()
    regions = list(
        Region.objects.filter(pk__in=rows.order_by().values("organization__region")).order_by("code")
    )
    region = request.GET.get("region", "")
    if region in {r.code for r in regions}:
        rows = rows.filter(organization__region__code=region)
    else:
        region = ""
    query = parse_search_text(request.GET.get("q"), 50)
    if query:
        rows = rows.filter(
            Q(full_name__icontains=query)
            | Q(username__icontains=query)
            | Q(organization__name__icontains=query)
        )
    sorting = listing.Sorting(request, EXPERT_COLUMNS)
    rows = sorting.apply(rows)
    if fmt:
        count = rows.count()
        return listing.export_response(
            request,
            fmt,
            title=_("评审专家"),
            header=[_("姓名"), _("用户名"), _("职务"), _("所在单位"), _("所在地区"), _("状态")],
            rows=(
                [
                    u.full_name,
                    u.username,
                    u.post,
                    u.organization.name if u.organization else "",
                    u.organization.region.name if u.organization and u.organization.region else "",
                    u.account_state.label,
                ]
                for u in (rows if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=_("评审专家"),
            fallback="experts",
            back=listing.with_query(reverse("experts"), request),
        )
    page, params = paginate(request, rows)
    return render(
        request,
        "reform_portal/experts.html",
        {
            "page": page,
            "query": params,
            "q": query,
            "region": region,
            "regions": regions,
            "invite_url": reverse("account_invite") + "?role=expert",
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
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
