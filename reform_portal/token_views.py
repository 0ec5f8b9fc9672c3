"""接口令牌 pages (DECISIONS §18): a user creates and revokes their own API tokens (the secret is shown once,
on the page that answers the creation); national reviewers see every token and revoke any."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import services
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


@role_required(Role.NATIONAL_REVIEWER)
def tokens_all(request):
    page, query = paginate(request, ApiToken.objects.select_related("user__organization", "revoked_by"))
    return render(
        request,
        "reform_portal/api_tokens_all.html",
        {"page": page, "query": query, "tokens": page.object_list},
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
