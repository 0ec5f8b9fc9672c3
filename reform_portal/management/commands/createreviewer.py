"""The first national reviewer of an empty portal (no superuser, no /admin/): an active account of one of the two
national departments (reference data) in the 国家审核 role. From there on, reviewers invite everybody else on the
portal (用户与邀请). The password is asked twice on the terminal, or read from ``DJANGO_REVIEWER_PASSWORD`` with
``--noinput`` (as ``createsuperuser`` does), and checked by the password validators."""

import getpass
import os

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reform_portal.enums import OrgKind, Role
from reform_portal.models import Organization, User
from reform_portal.services import save_with_history

DEPARTMENTS = {"ndrc": OrgKind.NATIONAL_NDRC, "most": OrgKind.NATIONAL_MOST}


class Command(BaseCommand):
    help = "Opens the first national reviewer's account (国家审核) of a national department, without /admin/."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True, help="姓名")
        parser.add_argument("--email", required=True)
        parser.add_argument("--department", choices=sorted(DEPARTMENTS), default="ndrc")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="read the password from DJANGO_REVIEWER_PASSWORD",
        )

    def handle(self, *args, **options):
        username, email = options["username"].strip(), options["email"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"用户名 {username} 已被使用。")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"电子邮箱 {email} 已被其他账号使用。")
        organization = (
            Organization.objects.filter(kind=DEPARTMENTS[options["department"]], region=None)
            .order_by("pk")
            .first()
        )
        if organization is None:
            raise CommandError("没有找到该国家部门（请先运行 migrate）。")
        user = User(username=username, full_name=options["full_name"].strip(), email=email)
        user.organization = organization
        password = self.password(options["interactive"])
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        user.set_password(password)
        with transaction.atomic():
            save_with_history(user, None, "命令行开设首位国家审核人员账号")
            user.groups.add(Group.objects.get(name=Role.NATIONAL_REVIEWER))
        self.stdout.write(f"已开设国家审核人员账号 {username}（{organization.name}）。")

    def password(self, interactive):
        if not interactive:
            password = os.environ.get("DJANGO_REVIEWER_PASSWORD", "")
            if not password:
                raise CommandError("请设置环境变量 DJANGO_REVIEWER_PASSWORD。")
            return password
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致。")
        return first
