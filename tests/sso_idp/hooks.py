"""The IdP's claims, and the tokens it spoils on purpose for the negative tests: a test user's name says how."""

import time

OTHER_AUDIENCE = "another-portal"
OTHER_ISSUER = "http://127.0.0.1:1/not-the-provider"


def userinfo(claims, user):
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    claims["email_verified"] = True
    claims["name"] = user.get_full_name() or user.username
    return claims


def id_token(id_token, user, token, request):
    if user.username == "sso_wrong_audience":
        id_token["aud"] = OTHER_AUDIENCE
    elif user.username == "sso_expired":
        id_token["iat"] = int(time.time()) - 3 * 3600
        id_token["exp"] = int(time.time()) - 2 * 3600
    elif user.username == "sso_wrong_issuer":
        id_token["iss"] = OTHER_ISSUER
    return id_token
