"""Single sign-on through an office's 统一身份认证: OpenID Connect (mozilla-django-oidc) and CAS (django-cas-ng).

Each is off unless its settings switch it on (``PORTAL_OIDC_ENABLED``, ``PORTAL_CAS_ENABLED``; README).
Both only *map* an identity to an existing, active portal user, by username or else by e-mail (one user
exactly); they never create a user, a role or an organisation: an office invites its users as before.

The OpenID Connect backend checks what the library leaves open: the ID token's signature (the provider's
keys, or a pinned key), its audience (our client id), its issuer, its expiry and issue time, the nonce
(the library), and that the user-info ``sub`` is the token's; the code is exchanged with PKCE.

An SSO login skips the portal's TOTP step: the identity provider applies its own second factor
(DECISIONS §17). The session remembers how it was opened (``SESSION_KEY``) so that the TOTP middleware
lets it through. django-axes does not count SSO callbacks (``axes_exempt``): a failed SSO login is the
identity provider's business, and its URLs carry no password.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_cas_ng.backends import CASBackend as _LibraryCASBackend
from django_cas_ng.utils import RedirectException, get_cas_client
from django_cas_ng.views import LoginView as _LibraryCASLogin
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

log = logging.getLogger(__name__)

SESSION_KEY = "_portal_sso"  # "oidc" or "cas" in a session opened through single sign-on
OIDC_CALLBACK = "oidc_authentication_callback"  # the name mozilla-django-oidc reverses for redirect_uri
CAS_LOGIN = "cas_ng_login"
CALLBACKS = (OIDC_CALLBACK, CAS_LOGIN)  # the URLs an identity provider sends the browser back to


def oidc_enabled() -> bool:
    return bool(getattr(settings, "PORTAL_OIDC_ENABLED", False))


def cas_enabled() -> bool:
    return bool(getattr(settings, "PORTAL_CAS_ENABLED", False))


def providers() -> list[dict]:
    """The login page's buttons: label and URL of each switched-on provider."""
    out = []
    if oidc_enabled():
        out.append(
            {"key": "oidc", "label": settings.PORTAL_OIDC_LABEL, "url": reverse("oidc_authentication_init")}
        )
    if cas_enabled():
        out.append({"key": "cas", "label": settings.PORTAL_CAS_LABEL, "url": reverse(CAS_LOGIN)})
    return out


def _failed(request, detail=""):
    if detail:
        log.warning("single sign-on refused: %s", detail)
    messages.error(
        request,
        _("统一身份认证登录未成功：身份无法验证，或本平台没有与之对应的已启用账号。请联系本单位管理员。"),
    )
    return redirect("login")


def check_sso_settings(app_configs=None, **kwargs):
    """A switched-on provider with a missing setting fails ``manage.py check`` (and the deploy's start)."""
    from django.core import checks

    needed = []
    if oidc_enabled():
        needed += [
            name
            for name in (
                "OIDC_RP_CLIENT_ID",
                "OIDC_RP_CLIENT_SECRET",
                "OIDC_OP_AUTHORIZATION_ENDPOINT",
                "OIDC_OP_TOKEN_ENDPOINT",
                "OIDC_OP_USER_ENDPOINT",
                "PORTAL_OIDC_ISSUER",
            )
            if not getattr(settings, name, None)
        ]
        if not (settings.OIDC_RP_IDP_SIGN_KEY or settings.OIDC_OP_JWKS_ENDPOINT):
            needed.append("OIDC_OP_JWKS_ENDPOINT (or OIDC_RP_IDP_SIGN_KEY)")
    if cas_enabled() and not settings.CAS_SERVER_URL:
        needed.append("CAS_SERVER_URL")
    return (
        [
            checks.Error(
                f"single sign-on is switched on but {', '.join(needed)} is not set",
                hint="See README, Single sign-on.",
                id="reform_portal.E002",
            )
        ]
        if needed
        else []
    )


# ---- who the identity is -----------------------------------------------------------------------------------


def existing_user(*, username: str | None, email: str | None, email_verified: bool = True):
    """The one active portal user with this username, else with this e-mail; None otherwise (never created)."""
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user if user.is_active else None
    if email and email_verified:
        matches = list(User.objects.filter(email__iexact=email.strip())[:2])
        if len(matches) == 1 and matches[0].is_active:
            return matches[0]
    return None


def axes_exempt(request, credentials) -> bool:
    """django-axes' whitelist callable: SSO callbacks are not password attempts, neither counted nor locked."""
    if request is None:
        return False
    return request.path in {reverse(name) for name in CALLBACKS}


def mark_session(request, how: str) -> None:
    request.session[SESSION_KEY] = how


def signed_in_by_sso(request) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(SESSION_KEY))


# ---- OpenID Connect ------------------------------------------------------------------------------------------


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, answering only on the callback when OIDC is switched on, mapping to
    existing users only, and checking audience, issuer and expiry of the ID token."""

    def __init__(self, *args, **kwargs):
        self.enabled = oidc_enabled()
        self.UserModel = get_user_model()
        if self.enabled:
            try:
                super().__init__(*args, **kwargs)
            except ImproperlyConfigured as exc:  # never let a half-done SSO setting break password logins
                log.error("OIDC switched off: %s", exc)
                self.enabled = False

    def authenticate(self, request, **kwargs):
        if not self.enabled or request is None or "nonce" not in kwargs:
            return None
        if request.path != reverse(OIDC_CALLBACK):
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException, ValueError, KeyError) as exc:
            log.warning("OIDC login refused: %s", exc)
            return None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        alg = header.get("alg")
        if alg != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token algorithm {alg!r} is not {self.OIDC_RP_SIGN_ALGO!r}")
        issuer = settings.PORTAL_OIDC_ISSUER
        if not issuer:
            raise ImproperlyConfigured("PORTAL_OIDC_ISSUER is required when PORTAL_OIDC_ENABLED is on.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[alg],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                leeway=settings.PORTAL_OIDC_LEEWAY,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc

    def get_userinfo(self, access_token, id_token, payload):
        info = super().get_userinfo(access_token, id_token, payload)
        if str(info.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("user-info subject differs from the ID token's")
        return info

    def verify_claims(self, claims):
        return bool(claims.get(settings.PORTAL_OIDC_USERNAME_CLAIM) or claims.get("email"))

    def filter_users_by_claims(self, claims):
        user = existing_user(
            username=claims.get(settings.PORTAL_OIDC_USERNAME_CLAIM),
            email=claims.get("email"),
            email_verified=claims.get("email_verified", True) is not False,
        )
        return self.UserModel.objects.filter(pk=user.pk) if user else self.UserModel.objects.none()

    def create_user(self, claims):
        raise PermissionDenied("single sign-on never creates users")

    def update_user(self, user, claims):
        return user  # roles and organisations stay the portal's


class _OIDCStart(OIDCAuthenticationRequestView):
    pass


class _OIDCCallback(OIDCAuthenticationCallbackView):
    def login_failure(self):
        return _failed(self.request)

    def login_success(self):
        response = super().login_success()
        mark_session(self.request, "oidc")
        return response


def oidc_start(request):
    if not oidc_enabled():
        raise Http404
    return _OIDCStart.as_view()(request)


def oidc_callback(request):
    if not oidc_enabled():
        raise Http404
    try:
        return _OIDCCallback.as_view()(request)
    except SuspiciousOperation as exc:  # a state this session did not start
        return _failed(request, str(exc))


# ---- CAS -----------------------------------------------------------------------------------------------------


class CASBackend(_LibraryCASBackend):
    """Validates the service ticket at the CAS server (CAS 3 ``p3/serviceValidate`` by default) and maps the
    CAS user to an existing portal user (by username, else the ``PORTAL_CAS_EMAIL_ATTRIBUTE`` attribute);
    never creates one, never changes groups or flags."""

    def authenticate(self, request, ticket, service):
        if not cas_enabled() or request is None or request.path != reverse(CAS_LOGIN):
            return None
        client = get_cas_client(service_url=service, request=request)
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except (
            requests.RequestException,
            ValueError,
            KeyError,
            SyntaxError,
        ) as exc:  # ParseError: SyntaxError
            log.warning("CAS ticket validation failed: %s", exc)
            return None
        if not username:
            log.warning("CAS server did not accept the ticket")
            return None
        email = (attributes or {}).get(settings.PORTAL_CAS_EMAIL_ATTRIBUTE)
        if isinstance(email, list):
            email = email[0] if len(email) == 1 else None
        user = existing_user(username=username, email=email)
        return user if self.user_can_authenticate(user) else None


class _CASLogin(_LibraryCASLogin):
    def successful_login(self, request, next_page):
        if request.session.get("_auth_user_backend") == f"{CASBackend.__module__}.{CASBackend.__qualname__}":
            mark_session(request, "cas")
        return super().successful_login(request, next_page)


def _safe_next(request):
    """``next`` kept only when it stays on this site (the library checks less: ``/\\host`` passes it)."""
    wanted = request.GET.get("next")
    if wanted and not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.GET = request.GET.copy()
        request.GET["next"] = resolve_url(settings.LOGIN_REDIRECT_URL)


def cas_login(request):
    """To the CAS server's login, and back here with a ticket (the service URL keeps ``next``)."""
    if not cas_enabled():
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    _safe_next(request)
    try:
        return _CASLogin.as_view()(request)
    except (PermissionDenied, RedirectException) as exc:
        return _failed(request, f"CAS: {exc}")
