"""Helpers for the API tests: a client that sends an API token, and tokens made through the service."""

from rest_framework.test import APIClient

from reform_portal import services


def token_for(user, name="省科技管理信息系统", days=90):
    token, secret = services.api_token_create(user=user, name=name, days=days, by=user)
    return token, secret


def token_client(user=None, secret=None):
    """An APIClient sending ``Authorization: Token …`` (a new token of ``user`` unless ``secret`` is given)."""
    client = APIClient()
    if secret is None and user is not None:
        _token, secret = token_for(user)
    if secret is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def session_client(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client
