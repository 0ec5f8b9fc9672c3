"""The account-token flow: one signed, expiring, single-use "set your password" link for a password reset and for
an invitation, the mail that carries it, and the rate limit of reset requests.

**One generator, one URL, two lifetimes.** :data:`account_tokens` is Django's ``PasswordResetTokenGenerator``
(the token hashes the user's password hash, last login and e-mail, so it is void once the password is set or
the user logs in: single use). The link is ``/accounts/password/set/<uidb64>/<token>/`` for both purposes. The
lifetime is chosen by the account the token names, not by the token: an account still waiting for its
invitation (inactive, invitation not accepted) gets ``PORTAL_INVITATION_TIMEOUT`` (7 days), any other account
``PASSWORD_RESET_TIMEOUT`` (2 hours). A reset link cannot be stretched to 7 days: reset mails go only to active
accounts, and activating an account sets its password, which voids every older token. Re-sending an
invitation gives the account a fresh unusable password, which voids the earlier link.

**Mail.** The request never builds or sends the mail itself: ``account_mail.queue_account_mail`` hands (kind,
ids) to the ``accounts.mail`` task when the transaction commits, and the task calls :func:`send_account_mail`,
which makes the token in the worker (no secret travels through the broker) and sends. A reset request queues the same task
whether or not an account has the address, so neither the page nor its timing says whether one exists.
(``queue_account_mail`` writes the outbox row.)
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from .notifications import absolute_url, build_email

if TYPE_CHECKING:
    from .models import User

logger = logging.getLogger(__name__)

RESET = "password_reset"
INVITATION = "invitation"
MAIL_KINDS = (RESET, INVITATION)


def is_invited(user: User) -> bool:
    """An account opened by invitation whose set-password link has not been used yet."""
    if user.is_active:
        return False
    invitation = getattr(user, "invitation", None)
    return invitation is not None and invitation.accepted_at is None


class AccountTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with a lifetime that depends on the account (see the module's doc)."""

    key_salt = "reform_portal.accounts.AccountTokenGenerator"

    def lifetime(self, user: User) -> int:
        return settings.PORTAL_INVITATION_TIMEOUT if is_invited(user) else settings.PASSWORD_RESET_TIMEOUT

    def check_token(self, user, token):
        # Django's check with its fixed PASSWORD_RESET_TIMEOUT replaced by this account's lifetime.
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - ts <= self.lifetime(user)


account_tokens = AccountTokenGenerator()


def set_password_path(user: User) -> str:
    """The site-relative set-password link for ``user``, with a token made now."""
    return reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": account_tokens.make_token(user),
        },
    )


def set_password_link(user: User) -> str:
    """The absolute link for a mail: ``PORTAL_BASE_URL`` + :func:`set_password_path`."""
    return absolute_url(set_password_path(user))


def valid_hours(user: User) -> int:
    return max(1, account_tokens.lifetime(user) // 3600)


# ---- mail -------------------------------------------------------------------------------------------------


def reset_recipients(email: str) -> list[User]:
    """The accounts a reset mail for ``email`` goes to: active, with a usable password (Django's rule)."""
    from .models import User

    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    return [u for u in users if u.has_usable_password()]


def send_account_mail(*, kind: str, user_id: int | None = None, email: str | None = None) -> int:
    """Build and send the account mail ``kind`` (run by the worker). Returns the number of messages sent."""
    from .models import User

    if kind == RESET:
        recipients = reset_recipients(email or "")
    elif kind == INVITATION:
        recipients = [
            u for u in User.objects.filter(pk=user_id or 0).select_related("invitation") if is_invited(u)
        ]
    else:
        raise ValueError(f"unknown account mail {kind!r}")
    sent = 0
    for user in recipients:
        message = build_email(
            to=user.email,
            template=kind,
            context={
                "user": user,
                "link": set_password_link(user),
                "hours": valid_hours(user),
                "days": max(1, account_tokens.lifetime(user) // 86400),
                "login": absolute_url(reverse("login")),
                "invitation": getattr(user, "invitation", None) if kind == INVITATION else None,
            },
        )
        sent += message.send() or 0
    return sent


# ---- rate limit of reset requests ---------------------------------------------------------------------------

WINDOW = datetime.timedelta(hours=1)


def email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def reset_allowed(*, email: str, ip_address: str | None) -> bool:
    """Whether another reset mail may be asked for ``email`` from ``ip_address`` this hour; records the request
    when it may. Counted in the database, so the limit holds whether or not the cache is up."""
    from .models import PasswordResetRequest

    now = timezone.now()
    since = now - WINDOW
    digest = email_digest(email)
    with transaction.atomic():
        PasswordResetRequest.objects.filter(created_at__lt=now - 24 * WINDOW).delete()
        recent = PasswordResetRequest.objects.filter(created_at__gte=since)
        if recent.filter(email_hash=digest).count() >= settings.PORTAL_PASSWORD_RESET_LIMIT:
            return False
        if (
            ip_address
            and recent.filter(ip_address=ip_address).count() >= settings.PORTAL_PASSWORD_RESET_LIMIT_PER_IP
        ):
            return False
        PasswordResetRequest.objects.create(created_at=now, ip_address=ip_address, email_hash=digest)
    return True
