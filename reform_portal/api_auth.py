"""API-token authentication for the REST API (DECISIONS §18), apart from ``api.py``: DRF loads authentication
classes while its own settings load, so this module imports nothing of DRF's views."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from . import services

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
