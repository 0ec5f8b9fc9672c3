"""Helpers of the account tests: the link out of a mail, a token made at another time, a TOTP code now."""

import datetime
import re

from django.conf import settings
from django.test import Client
from django.urls import reverse

from reform_portal.accounts import AccountTokenGenerator
from reform_portal.enums import OrgKind, Role
from reform_portal.services import user_invite

from .. import factories as f

NEW_PASSWORD = "Xin-mima-2027-ok"
LINK = re.compile(r"https?://\S+/accounts/password/set/[^/\s]+/[^/\s]+/")


def link_in(message) -> str:
    """The site-relative set-password link of a mail."""
    [link] = LINK.findall(message.body)
    return link.removeprefix(settings.PORTAL_BASE_URL.rstrip("/"))


class TokensMadeAgo(AccountTokenGenerator):
    """The portal's generator with a clock ``seconds`` in the past: tokens made that long ago."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def _now(self):
        return super()._now() - datetime.timedelta(seconds=self.seconds)


def link_made_ago(user, seconds) -> str:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    token = TokensMadeAgo(seconds).make_token(user)
    return reverse(
        "password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token},
    )


def set_password_through(client: Client, link: str, password: str = NEW_PASSWORD):
    """Open a set-password link and submit the form; returns the final response (the form page on a refusal)."""
    page = client.get(link)
    if page.status_code != 302:
        return page
    form_url = page["Location"]
    page = client.get(form_url)
    if page.status_code != 200 or not page.context.get("validlink"):
        return page
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def totp_code(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def expert_org():
    from reform_portal.models import Organization

    org, _ = Organization.objects.get_or_create(
        name="中国科学院某研究所", defaults={"kind": OrgKind.INSTITUTE, "region": f.region("110000")}
    )
    return org


def invite_expert(by, *, username="li_expert", email="li@example.cn"):
    return user_invite(
        organization=expert_org(),
        username=username,
        full_name="李专家",
        email=email,
        phone="010-12345678",
        role=Role.EXPERT,
        by=by,
    )
