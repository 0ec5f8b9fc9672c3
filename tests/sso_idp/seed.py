"""Migrates and fills the IdP's database: users (password ``idp-pass``), the portal as an OpenID Connect client and as a CAS
service, an RSA signing key. Run as ``python -m tests.sso_idp.seed PORTAL_BASE`` with the IdP's settings."""

import sys

import django

PASSWORD = "idp-pass"  # noqa: S105 - test users of a throwaway server
CLIENT_ID = "reform-portal"
CLIENT_SECRET = "reform-portal-secret"  # noqa: S105
# IdP username -> e-mail. The portal has users of the same names (or only the e-mail, for idp_by_email).
USERS = {
    "sso_region": "sso_region@example.gov.cn",
    "idp_by_email": "by_email@example.gov.cn",
    "sso_unknown": "nobody@example.gov.cn",
    "sso_wrong_audience": "aud@example.gov.cn",
    "sso_expired": "exp@example.gov.cn",
    "sso_wrong_issuer": "iss@example.gov.cn",
    "sso_forged_key": "forged@example.gov.cn",
    "sso_inactive": "inactive@example.gov.cn",
    "sso_totp": "totp@example.gov.cn",
}


def main(portal_base):
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from cas_server.models import ReplaceAttributName, ServicePattern
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.contrib.auth import get_user_model
    from oidc_provider.models import Client, ResponseType, RSAKey

    User = get_user_model()
    for username, email in USERS.items():
        User.objects.create_user(username=username, email=email, password=PASSWORD)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    RSAKey.objects.create(key=pem.decode())
    client = Client.objects.create(
        name="全面创新改革平台",
        client_type="confidential",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        jwt_alg="RS256",
        require_consent=False,
        reuse_consent=True,
        _redirect_uris=f"{portal_base}/accounts/oidc/callback/",
        _scope="openid email profile",
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    pattern = ServicePattern.objects.create(
        pos=0, name="portal", pattern=f"^{portal_base}/.*", single_log_out=False
    )
    ReplaceAttributName.objects.create(name="email", service_pattern=pattern)


if __name__ == "__main__":
    main(sys.argv[1])
