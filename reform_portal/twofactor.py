"""Two-factor login (TOTP, django-otp): the authenticator's QR code, the half-done login between the password and
the code, and the middleware that holds back the roles an office requires it of.

A password login of a user with a confirmed authenticator, or of a role in ``PORTAL_REQUIRE_TOTP_ROLES``, does
not log in: it leaves a *pending* login in the session (who, which backend, the password's session hash, when),
and the code page finishes it (``account_views.login_otp``). A wrong code counts as a failed login for
django-axes (the same lockout as a wrong password). SSO logins (``sso``) rely on the identity provider's own
second factor (DECISIONS §17): the middleware lets a session opened through SSO pass."""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .rules import totp_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from .models import User

PENDING = "_portal_pending_login"
PENDING_SECONDS = 5 * 60  # the code must follow the password within five minutes
PENDING_ATTEMPTS = 5  # wrong codes before the password has to be typed again


def confirmed_device(user: User) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_code(user: User) -> bool:
    """Whether a password login of ``user`` must be followed by a code (or, when required, an enrolment)."""
    return totp_required(user) or confirmed_device(user) is not None


def qr_svg(text: str) -> SafeString:
    """``text`` (an otpauth:// URL) as an inline SVG QR code, drawn by attributes only (the CSP forbids
    inline styles and scripts), rendered here: no script, no CDN."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="二维码" class="qr-code" ', 1))  # noqa: S308 - qrcode's own markup


def manual_key(device: Any) -> str:
    """The secret in base32, in groups of four, for typing into an authenticator by hand."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


# ---- the pending login ---------------------------------------------------------------------------------------


def pending_start(request: HttpRequest, user: User, *, next_url: str) -> None:
    request.session[PENDING] = {
        "uid": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[1]),
        "hash": user.get_session_auth_hash(),
        "at": time.time(),
        "next": next_url,
        "attempts": 0,
    }


def pending(request: HttpRequest) -> tuple[User | None, dict]:
    """The user whose password was checked and whose code is awaited, or None (expired, changed, none)."""
    from .models import User

    data = request.session.get(PENDING)
    if not isinstance(data, dict):
        return None, {}
    if time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        pending_clear(request)
        return None, {}
    user = User.objects.filter(pk=data.get("uid"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != data.get("hash"):
        pending_clear(request)
        return None, {}
    return user, data


def pending_failed(request: HttpRequest) -> int:
    """One more wrong code; returns how many are left (0: the pending login is dropped)."""
    data = request.session.get(PENDING) or {}
    data["attempts"] = int(data.get("attempts", 0)) + 1
    left = PENDING_ATTEMPTS - data["attempts"]
    if left <= 0:
        pending_clear(request)
    else:
        request.session[PENDING] = data
    return max(left, 0)


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


# ---- the middleware --------------------------------------------------------------------------------------------


class RequireTOTPMiddleware:
    """A logged-in user whose role requires a second factor and whose session has not given one (a session from
    before the setting, a device reset by a reviewer) sees only the 双因素认证 page until it is set up or
    verified. Nothing is read when the setting is empty (the default)."""

    EXEMPT_NAMES = ("totp_setup", "logout", "set_language", "healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.PORTAL_REQUIRE_TOTP_ROLES and self._held_back(request):
            return redirect("totp_setup")
        return self.get_response(request)

    def _held_back(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not totp_required(user):
            return False
        if getattr(user, "is_verified", lambda: False)():
            return False
        from .sso import signed_in_by_sso

        if signed_in_by_sso(request):  # the identity provider applied its own second factor
            return False
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return False
        return path not in {reverse(name) for name in self.EXEMPT_NAMES}
