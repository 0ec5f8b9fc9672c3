import pytest

from reform_portal import pagination
from reform_portal.enums import OrgKind, Role
from reform_portal.models import ReformCycle

from . import factories as f
from .catalog import scenarios as fc
from .evaluation import scenarios as fe


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run inline unless a test starts a real worker (see the celery_worker tests)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (live server, Celery workers) start after another one's flush, which empties
    every table, including the regions, role groups, reference organisations and merge synonyms of the data
    migrations: load them again."""
    marker = request.node.get_closest_marker("django_db")
    if not (
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker and marker.kwargs.get("transaction"))
    ):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    importlib.import_module("reform_portal.migrations.0002_regions_and_roles").forwards(apps, None)
    importlib.import_module("reform_portal.migrations.0008_reference_organizations").forwards(apps, None)
    importlib.import_module("catalog.migrations.0005_seed_synonyms").forwards(apps, None)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the API's rate-limit counts (kept per user, token and address in the
    process's local-memory cache) of one test do not count against the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cycle(db):
    return f.CycleFactory()


@pytest.fixture
def cycle2027(db):
    """2027's cycle with the default calendar (proposals close at the end of 2027-04-30, Beijing)."""
    return ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))


@pytest.fixture
def region_a_drc(db):
    """浙江省发展改革委 staff."""
    return f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zj_drc")


@pytest.fixture
def region_a_scitech(db):
    """浙江省科技厅 staff."""
    return f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zj_scitech")


@pytest.fixture
def region_b_drc(db):
    """江苏省发展改革委 staff."""
    return f.regional_user("320000", OrgKind.REGIONAL_DRC, username="js_drc")


@pytest.fixture
def reviewer(db):
    return f.national_user(username="ndrc")


@pytest.fixture
def expert(db):
    org = f.OrganizationFactory(name="中国科学院某研究所", kind=OrgKind.INSTITUTE, region=f.region("110000"))
    return f.UserFactory(username="expert", organization=org, role=Role.EXPERT)


@pytest.fixture
def liaison(db):
    org = f.OrganizationFactory(name="工业和信息化部", kind=OrgKind.MINISTRY, region=None)
    return f.UserFactory(username="liaison", organization=org, role=Role.MINISTRY_LIAISON)


@pytest.fixture
def evaluator(db):
    org = f.OrganizationFactory(name="某评估中心", kind=OrgKind.EVALUATOR, region=f.region("110000"))
    return f.UserFactory(username="evaluator", organization=org, role=Role.EVALUATOR)


@pytest.fixture
def implementer(db):
    org = f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))
    return f.UserFactory(username="implementer", organization=org, role=Role.IMPLEMENTER)


@pytest.fixture
def role_users(region_a_drc, reviewer, expert, liaison, evaluator, implementer):
    return {
        Role.REGIONAL_STAFF: region_a_drc,
        Role.NATIONAL_REVIEWER: reviewer,
        Role.EXPERT: expert,
        Role.MINISTRY_LIAISON: liaison,
        Role.EVALUATOR: evaluator,
        Role.IMPLEMENTER: implementer,
    }


# ---- the paginated list pages of every stage (tests/pagination_scenarios.py, tests/<app>/test_views.py) ----


@pytest.fixture
def small_pages(monkeypatch, page):
    monkeypatch.setattr(pagination, "PAGE_SIZE", page.size)


@pytest.fixture
def cast(reviewer):
    return {
        "reviewer": reviewer,
        "expert": fc.expert_in("110000", username="expert_b"),
        "evaluator": fe.evaluator_user(fe.agency("第三方评估机构"), username="ev_b"),
        "anonymous": None,
    }


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A request in an English session activates English in this thread (LocaleMiddleware) and nothing switches
    back; every test starts in the portal's language, whatever the test before it did."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """LibreOffice, started once per test session, to prove each kind of .docx opens (issue 15 §9): a headless
    instance on its own profile; ``docx_checks.convert(libreoffice, …)`` hands conversions to it (a second soffice on
    the same profile passes its command to the running one). Skipped only on a developer's machine without it (no
    DATABASE_URL); in CI (DATABASE_URL set) a missing LibreOffice fails the test: it is in the Makefile's
    TEST_OS_PACKAGES (libreoffice-writer-nogui)."""
    import os
    import shutil
    import subprocess
    import time
    from types import SimpleNamespace

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("DATABASE_URL"):
            pytest.fail("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    profile = tmp_path_factory.mktemp("lo-profile")
    env = f"-env:UserInstallation=file://{profile}"
    server = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        [soffice, env, "--headless", "--invisible", "--norestore", "--nologo",
         f"--accept=pipe,name=portal-tests-{os.getpid()};urp;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1)
    yield SimpleNamespace(binary=soffice, env=env)
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
