"""The IdP's URLs: its login page, OpenID Connect under /openid/, CAS under /cas/.

The token endpoint is wrapped: for the test user ``sso_forged_key`` the ID token is signed again with another
RSA key under the provider's own key id, as a forger would (the portal must refuse it)."""

import json

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oidc_provider.views import TokenView

FORGED_USER = "sso_forged_key"
_forger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _forged(id_token):
    from django.contrib.auth import get_user_model

    header = jwt.get_unverified_header(id_token)
    claims = jwt.decode(id_token, options={"verify_signature": False})
    user = get_user_model().objects.filter(pk=claims.get("sub")).first()
    if user is None or user.username != FORGED_USER:
        return id_token
    return jwt.encode(claims, _forger_key, algorithm="RS256", headers={"kid": header.get("kid")})


@csrf_exempt
def token(request, *args, **kwargs):
    response = TokenView.as_view()(request, *args, **kwargs)
    if response.status_code != 200:
        return response
    body = json.loads(response.content)
    if "id_token" in body:
        body["id_token"] = _forged(body["id_token"])
        response.content = json.dumps(body).encode()
    return response


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("openid/token", token),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    path("cas/", include("cas_server.urls", namespace="cas_server")),
]
