"""A small local identity provider for the single sign-on tests: django-oidc-provider (OpenID Connect) and
django-cas-server (CAS) in one Django project with its own settings and SQLite database, started once per
test session in a subprocess on a free loopback port (``server.py``). Nothing of the portal is imported."""
