"""Account pages: login with the second factor, password reset by mail and change, the 双因素认证 page, and the
accounts national reviewers and regional staff keep (invitations). Thin: the work is in ``services``, the
tokens and mail in ``accounts``, the rules in ``rules``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import listing, services, twofactor
from .accounts import account_tokens, is_invited
from .actions import errors_onto_form
from .enums import AccountState, Role
from .forms import InviteForm, PasswordResetRequestForm, TokenForm, parse_search_text
from .pagination import paginate
from .permissions import role_required
from .rules import can_disable_totp, can_reset_totp, totp_required
from .selectors import accounts_visible_to

KEEPERS = (Role.NATIONAL_REVIEWER, Role.REGIONAL_STAFF)


# ---- login: the password, then the code ---------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login (django-axes counts its failures); a user who needs a second factor is not logged in yet
    but sent to the code page with a pending login."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from .sso import providers

        return {**super().get_context_data(**kwargs), "sso_providers": providers()}

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.needs_code(user):
            twofactor.pending_start(self.request, user, next_url=self.get_success_url())
            return redirect("login_otp")
        return super().form_valid(form)


def _finish_login(request, user, data, device):
    import django_otp

    twofactor.pending_clear(request)
    auth_login(request, user, backend=data["backend"])
    django_otp.login(request, device)
    return redirect(data.get("next") or settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def login_otp(request):
    """The second step: the code of the user's authenticator; or, for a required role without one yet, its
    enrolment (QR code, manual key, a first code)."""
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_lockout_response

    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    user, data = twofactor.pending(request)
    if user is None:
        messages.error(request, _("请输入用户名和密码登录。"))
        return redirect("login")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        twofactor.pending_clear(request)
        return get_lockout_response(request, None, credentials)
    device = twofactor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = services.totp_enrol_start(by=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        try:
            if enrolling:
                device = services.totp_confirm(device=device, token=token, by=user)
                ok = True
            else:
                ok = _verify(device, token)
        except ValidationError:
            ok = False
        if ok:
            return _finish_login(request, user, data, device)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        left = twofactor.pending_failed(request)
        if getattr(request, "axes_locked_out", False):
            return get_lockout_response(request, None, credentials)
        if left == 0:
            messages.error(request, _("验证码错误次数过多，请重新输入用户名和密码。"))
            return redirect("login")
        form.add_error("token", _("验证码不正确或已过期，还可尝试%(n)s次。") % {"n": left})
    return render(
        request,
        "registration/login_otp.html",
        {"form": form, "enrolling": enrolling, **(_enrolment(device) if enrolling else {})},
    )


def _verify(device, token):
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return locked.verify_token(token)


def _enrolment(device):
    return {"qr": twofactor.qr_svg(device.config_url), "manual_key": twofactor.manual_key(device)}


def admin_login(request):
    """The admin's own login would skip the second factor: it goes through the portal's login."""
    from urllib.parse import urlencode

    return redirect(f"{reverse('login')}?{urlencode({'next': request.GET.get('next') or '/admin/'})}")


# ---- the 双因素认证 page ----------------------------------------------------------------------------------------


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    """Set up an authenticator (QR code and key, confirmed by one code); or, for a session that has not given
    the code of the user's device, give it; or see that it is on and turn it off."""
    import django_otp

    user = request.user
    device = twofactor.confirmed_device(user)
    verified = user.is_verified()
    form = TokenForm(request.POST or None)
    if device is not None and verified:
        return render(
            request,
            "reform_portal/totp_setup.html",
            {"device": device, "state": "on", "can_disable": can_disable_totp(user)},
        )
    enrolling = device is None
    if enrolling:
        device = services.totp_enrol_start(by=user)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        try:
            if enrolling:
                device = services.totp_confirm(device=device, token=token, by=user)
                ok = True
            else:
                ok = _verify(device, token)
        except ValidationError:
            ok = False
        if ok:
            django_otp.login(request, device)
            messages.success(request, _("双因素认证已启用。") if enrolling else _("验证成功。"))
            return redirect("totp_setup" if enrolling else settings.LOGIN_REDIRECT_URL)
        form.add_error("token", _("验证码不正确或已过期，请输入验证器当前显示的6位数字。"))
    return render(
        request,
        "reform_portal/totp_setup.html",
        {
            "form": form,
            "state": "enrol" if enrolling else "verify",
            "required": totp_required(user),
            **(_enrolment(device) if enrolling else {}),
        },
    )


@login_required
@require_POST
def totp_disable(request):
    try:
        services.totp_disable(by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("双因素认证已停用。"))
    return redirect("totp_setup")


# ---- password reset by mail, password change ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a set-password link. The same answer whether or not an account has the address."""
    from axes.helpers import get_client_ip_address

    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.password_reset_request(
            email=form.cleaned_data["email"], ip_address=get_client_ip_address(request)
        ):
            return redirect("password_reset_done")
        form.add_error(None, _("请求过于频繁，请一小时后再试。"))
        return render(request, "registration/password_reset_form.html", {"form": form}, status=429)
    return render(request, "registration/password_reset_form.html", {"form": form})


@require_http_methods(["GET"])
def password_reset_done(request):
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    return render(request, "registration/password_reset_done.html", {"hours": hours})


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The set-password link of a reset mail or an invitation (one URL, ``accounts.account_tokens``): Django's
    view (the token moves from the URL into the session before the form shows, so it never leaks in a Referer),
    the password saved by ``services.user_set_password``, which activates an invited account."""

    token_generator = account_tokens
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A switched-off account is not switched on again by an old link; an invited one is, by its own.
        if user is not None and not user.is_active and not is_invited(user):
            return None
        return user

    def form_valid(self, form):
        services.user_set_password(
            user=self.user, password=form.cleaned_data["new_password1"], by=self.user, via="link"
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invited"] = self.user is not None and is_invited(self.user)
        return context


@require_http_methods(["GET"])
def password_reset_complete(request):
    return render(request, "registration/password_reset_complete.html")


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_set_password(
            user=request.user, password=form.cleaned_data["new_password1"], by=request.user, via="change"
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect("dashboard")
    return render(request, "registration/password_change_form.html", {"form": form})


# ---- the accounts a reviewer or a region keeps: invitations, states, second factor ---------------------------


ACCOUNT_COLUMNS = [
    listing.Column("username", _lazy("用户名"), ("username",)),
    listing.Column("name", _lazy("姓名"), ("full_name",)),
    listing.Column("organization", _lazy("所属单位"), ("organization__name",)),
    listing.Column("email", _lazy("电子邮箱"), ("email",)),
]

_INVITED = Q(is_active=False, invitation__isnull=False, invitation__accepted_at__isnull=True)
ACCOUNT_STATE_FILTERS = {
    AccountState.ACTIVE: Q(is_active=True),
    AccountState.INVITED: _INVITED,
    AccountState.DISABLED: Q(is_active=False) & ~_INVITED,
}


def _account_rows(request):
    """The accounts the user keeps, narrowed by ``?role=&state=&q=`` and sorted by ``?sort=``."""
    from django.contrib.auth.models import Group

    national = request.user.has_role(Role.NATIONAL_REVIEWER)
    users = accounts_visible_to(request.user).prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values), to_attr="role_groups")
    )
    filters = {"role": request.GET.get("role", ""), "state": request.GET.get("state", "")}
    if national and filters["role"] in Role.values:  # regional staff keep 实施主体 accounts only
        users = users.filter(groups__name=filters["role"])
    else:
        filters["role"] = ""
    if filters["state"] in AccountState.values:
        users = users.filter(ACCOUNT_STATE_FILTERS[AccountState(filters["state"])])
    else:
        filters["state"] = ""
    filters["q"] = parse_search_text(request.GET.get("q"), 50)
    if filters["q"]:
        q = filters["q"]
        users = users.filter(
            Q(username__icontains=q)
            | Q(full_name__icontains=q)
            | Q(email__icontains=q)
            | Q(organization__name__icontains=q)
        )
    sorting = listing.Sorting(request, ACCOUNT_COLUMNS)
    return national, filters, sorting, sorting.apply(users)


def _account_row(u) -> dict:
    return {
        "user": u,
        "roles": "、".join(str(Role(g.name).label) for g in u.role_groups),
        "state": u.account_state,
        "totp": any(d.confirmed for d in u.totpdevice_set.all()),
    }


@role_required(*KEEPERS)
@require_GET
def account_users(request, fmt=None):
    national, filters, sorting, users = _account_rows(request)
    if fmt:
        count = users.count()
        return listing.export_response(
            request,
            fmt,
            title=_("用户与邀请"),
            header=[
                _("用户名"),
                _("姓名"),
                _("所属单位"),
                _("角色"),
                _("电子邮箱"),
                _("状态"),
                _("双因素认证"),
            ],
            rows=(
                [
                    row["user"].username,
                    row["user"].full_name,
                    row["user"].organization.name if row["user"].organization else "",
                    row["roles"],
                    row["user"].email,
                    row["state"].label,
                    _("已启用") if row["totp"] else _("未启用"),
                ]
                for row in map(_account_row, users if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=_("用户与邀请"),
            fallback="users",
            back=listing.with_query(reverse("account_users"), request),
        )
    page, params = paginate(request, users)
    rows = [dict(_account_row(u), can_reset_totp=can_reset_totp(request.user, u)[0]) for u in page]
    return render(
        request,
        "reform_portal/account_users.html",
        {
            "page": page,
            "query": params,
            "rows": rows,
            "INVITED": AccountState.INVITED,
            "filters": filters,
            "roles": Role.choices if national else [],
            "states": AccountState.choices,
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


@role_required(*KEEPERS)
@require_http_methods(["GET", "POST"])
def account_invite(request):
    # From an organisation's page: ?organization=<pk>&role=<role> preselect them (the form still checks both).
    form = InviteForm(
        request.POST or None,
        by=request.user,
        initial={k: request.GET[k] for k in ("organization", "role") if request.GET.get(k)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_invite(**data, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已邀请%(name)s（%(username)s），设置密码的链接已发送至%(email)s。")
                % {"name": user.full_name, "username": user.username, "email": user.email},
            )
            return redirect("account_users")
    days = max(1, settings.PORTAL_INVITATION_TIMEOUT // 86400)
    return render(request, "reform_portal/account_invite.html", {"form": form, "days": days})


@role_required(*KEEPERS)
@require_POST
def account_invite_resend(request, pk):
    user = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    try:
        services.invitation_resend(user=user, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(
            request, _("已重新发送邀请邮件至%(email)s，此前的链接已失效。") % {"email": user.email}
        )
    return redirect("account_users")


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def account_totp_reset(request, pk):
    user = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    try:
        services.totp_reset(user=user, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已重置%(user)s的双因素认证。") % {"user": user})
    return redirect("account_users")
