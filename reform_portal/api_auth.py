"""API-token authentication and rate limits for the REST API (DECISIONS §18), apart from ``api.py``: DRF loads
authentication and throttle classes while its own settings load, so this module imports nothing of DRF's views."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from . import services
from .lockout import client_ip_address

SCHEMES = ("token", "bearer")


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Token <prefix>.<secret>`` (or ``Bearer``): the request acts as the token's user."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in SCHEMES:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("接口令牌格式不正确，应为“Token 前缀.密钥”。"))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("接口令牌格式不正确，应为“Token 前缀.密钥”。")) from None
        token = services.api_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("接口令牌无效、已过期或已吊销。"))
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class _Rates(SimpleRateThrottle):
    """Reads ``DEFAULT_THROTTLE_RATES`` at each request (DRF binds them once, at import), so a test or an office
    changes a rate in the settings only. The counts live in the default cache: in production the Redis cache that
    fails open (reform_portal/cache.py), so with Redis down nobody is limited rather than everybody refused."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(_Rates):
    """Per API token (``token``): each calling system its own budget, whichever user it acts as."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        prefix = getattr(token, "prefix", None)
        if not prefix:
            return None
        return self.cache_format % {"scope": self.scope, "ident": prefix}


class UserRateThrottle(_Rates):
    """Per signed-in user over the session (``user``); token calls count against their token, not here."""

    scope = "user"

    def get_cache_key(self, request, view):
        if getattr(request.auth, "prefix", None) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonRateThrottle(_Rates):
    """Anonymous callers of the public reads, per client address (``anon``), found as the login lockout finds it
    (behind the configured proxies; a forged X-Forwarded-For does not make a new address)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip_address(request)}
