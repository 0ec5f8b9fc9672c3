"""接口令牌 pages (DECISIONS §18): a user creates and revokes their own API tokens (the secret is shown once,
on the page that answers the creation); national reviewers see every token and revoke any."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import listing, services
from .actions import errors_onto_form
from .enums import Role
from .forms import ApiTokenForm
from .models import ApiToken
from .pagination import paginate
from .permissions import role_required


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request):
    """The user's own tokens and a form for a new one; after creating, the same page shows its secret once."""
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                by=request.user,
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("接口令牌“%(name)s”已创建。") % {"name": token.name})
            form = ApiTokenForm()
    own = ApiToken.objects.filter(user=request.user).select_related("revoked_by")
    return render(
        request,
        "reform_portal/api_tokens.html",
        {
            "form": form,
            "tokens": own,
            "secret": secret,
            "is_reviewer": request.user.has_role(Role.NATIONAL_REVIEWER),
        },
    )


TOKEN_COLUMNS = [
    listing.Column("user", _lazy("用户"), ("user__username",)),
    listing.Column("organization", _lazy("所属单位"), ("user__organization__name",)),
    listing.Column("name", _lazy("名称"), ("name",)),
    listing.Column("expires", _lazy("有效期至"), ("expires_at",)),
    listing.Column("last_used", _lazy("最近使用时间"), ("last_used_at",)),
]
TOKEN_STATES = {"active": _lazy("有效"), "expired": _lazy("已过期"), "revoked": _lazy("已吊销")}


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def tokens_all(request, fmt=None):
    """Every user's tokens (``?status=&sort=``; ``fmt`` exports them: the prefix, never a secret)."""
    rows = ApiToken.objects.select_related("user__organization", "revoked_by").order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    now = timezone.now()
    if status == "active":
        rows = rows.filter(revoked_at__isnull=True, expires_at__gt=now)
    elif status == "expired":
        rows = rows.filter(revoked_at__isnull=True, expires_at__lte=now)
    elif status == "revoked":
        rows = rows.filter(revoked_at__isnull=False)
    else:
        status = ""
    sorting = listing.Sorting(request, TOKEN_COLUMNS)
    rows = sorting.apply(rows)
    if fmt:
        count = rows.count()
        return listing.export_response(
            request,
            fmt,
            title=_("全部接口令牌"),
            header=[
                _("用户"),
                _("用户名"),
                _("所属单位"),
                _("名称"),
                _("前缀"),
                _("有效期至"),
                _("最近使用时间"),
                _("状态"),
                _("吊销人"),
            ],
            rows=(
                [
                    str(t.user),
                    t.user.username,
                    t.user.organization.name if t.user.organization else "",
                    t.name,
                    t.prefix,
                    t.expires_at,
                    t.last_used_at,
                    t.status_label,
                    str(t.revoked_by or ""),
                ]
                for t in (rows if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=_("全部接口令牌"),
            fallback="api-tokens",
            back=listing.with_query(reverse("api_tokens_all"), request),
        )
    page, query = paginate(request, rows)
    return render(
        request,
        "reform_portal/api_tokens_all.html",
        {
            "page": page,
            "query": query,
            "tokens": page.object_list,
            "status": status,
            "statuses": TOKEN_STATES.items(),
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    """Another user's token does not exist for a user who may not revoke it (404)."""
    visible = ApiToken.objects.all()
    if not request.user.has_role(Role.NATIONAL_REVIEWER):
        visible = visible.filter(user=request.user)
    token = visible.filter(pk=pk).first()
    if token is None:
        raise Http404
    try:
        services.api_token_revoke(token=token, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("接口令牌“%(name)s”已吊销。") % {"name": token.name})
    if token.user_id != request.user.pk:
        return redirect("api_tokens_all")
    return redirect("api_tokens")
