"""Optional LDAP password login (django-auth-ldap; ``pip install -e '.[ldap]'``), on when ``PORTAL_LDAP_ENABLED``.

The password typed on the portal's login page is checked against the office's directory. Like single sign-on it
maps to an existing, active portal user (by username, else by the directory's e-mail) and never creates one or
changes its fields, groups or flags. Unlike single sign-on it is a password login: the TOTP step and the
lockout apply as to any password (the portal's login page and django-axes see it as such)."""

from django.conf import settings
from django_auth_ldap.backend import LDAPBackend as _LibraryLDAPBackend

from .sso import existing_user


class LDAPBackend(_LibraryLDAPBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.PORTAL_LDAP_ENABLED:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username, ldap_user):
        mails = ldap_user.attrs.get(settings.PORTAL_LDAP_EMAIL_ATTRIBUTE, [])
        user = existing_user(username=username, email=mails[0] if len(mails) == 1 else None)
        if user is None:  # "built": refused by AUTH_LDAP_NO_NEW_USERS, never saved
            return self.get_user_model()(username=username), True
        return user, False
