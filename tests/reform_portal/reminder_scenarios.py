"""A test-only reminder source and the fixed calendar the reminder tests share; ``at`` and ``who`` for the
stages' reminder sources (tests/<app>/test_reminders.py).

The cycle is 2027's default calendar: proposals close at the end of 2027-04-30 (Beijing), so with
offsets [30, 7, 1, -1] reminders fall on 03-31, 04-23, 04-29 and 05-01 (Asia/Shanghai).
"""

import datetime
import smtplib
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from reform_portal.enums import Stage
from reform_portal.models import ReformCycle
from reform_portal.reminders import (
    Due,
    register_reminder_source,
    reminder_title,
    stage_due_offsets,
    unregister_reminder_source,
)
from reform_portal.services import deadline_for

from .. import factories as f

UTC = datetime.UTC
SH = ZoneInfo("Asia/Shanghai")
YEAR = 2027
KIND = "test_proposal_deadline"
# 2027-04-23 00:01 in Beijing: 7 days before the last day (2027-04-30).
SEVEN_DAYS_BEFORE = datetime.datetime(2027, 4, 22, 16, 1, tzinfo=UTC)


def fixed_cycle(**kwargs) -> ReformCycle:
    return f.CycleFactory(year=YEAR, **{**ReformCycle.defaults_for(YEAR), **kwargs})


def proposal_source(users, *, barrier=None):
    """Remind ``users`` about the cycle's proposal deadline (no region: the cycle's own date)."""

    def source(*, cycle, now):
        if barrier is not None:
            barrier.wait(timeout=20)  # both scans have asked, neither has claimed yet
        deadline = deadline_for(cycle, None, Stage.PROPOSAL)
        for offset in stage_due_offsets(cycle, None, Stage.PROPOSAL, now=now):
            for user in users:
                yield Due(
                    kind=KIND,
                    obj_pk=cycle.pk,
                    obj_label=f"{cycle.year}年度建议书",
                    recipient=user,
                    due_at=deadline,
                    offset_days=offset,
                    title=reminder_title("建议书报送", offset),
                    body="请按时联合报送本年度建议书。",
                    url="/dashboard/",
                )

    return source


@contextmanager
def registered(source):
    """Only ``source`` is registered while the block runs: the framework is tested without the stage apps'
    real sources (they have their own tests)."""
    from reform_portal import reminders

    saved = list(reminders._SOURCES)
    reminders._SOURCES[:] = []
    register_reminder_source(source)
    try:
        yield source
    finally:
        unregister_reminder_source(source)
        reminders._SOURCES[:] = saved


def key_for(cycle, user, offset=7, day="2027-04-30"):
    return f"{KIND}:{cycle.pk}:{user.pk}:{offset}:{day}"


class FailingEmailBackend(BaseEmailBackend):
    """Every send fails the way an unreachable SMTP relay does."""

    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        raise smtplib.SMTPException("421 服务暂不可用")


class FlakyEmailBackend(LocmemBackend):
    """The first send fails, the next ones reach the locmem outbox."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SH)


def who(source, cycle, now):
    return sorted((d.recipient.username, d.offset_days) for d in source(cycle=cycle, now=now))
