import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from catalog import services
from catalog.admin import MeasureListAdmin
from catalog.forms import ListTitleForm
from catalog.models import ListEntry, MeasureList
from reform_portal.enums import OrgKind

from . import factories as f
from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def measures(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = list(books["330000"][0].proposals.order_by("position"))
    js = list(books["320000"][0].proposals.order_by("position"))
    first = fc.measure_from(cycle, reviewer, [zj[0], js[0]])
    second = fc.measure_from(cycle, reviewer, [js[1]], title="组建产业链创新联合体", area="core_tech",
                             description="链主企业牵头组建创新联合体。", goals="", authority_level="provincial",
                             coordination_departments="")
    return first, second


def test_publish_freezes_numbered_entries(cycle, reviewer, measures, django_capture_on_commit_callbacks):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        published = services.list_publish(measure_list=draft, by=reviewer)
    assert (published.version, published.state, published.published_by) == (1, "published", reviewer)
    entries = list(published.entries.order_by("position"))
    y = cycle.year
    assert [(e.number, e.title, e.source_regions) for e in entries] == [
        (f"{y}-01", fc.MEASURE["title"], "江苏省、浙江省"), (f"{y}-02", "组建产业链创新联合体", "江苏省")]
    assert entries[0].coordination_departments == "财政部、教育部"
    # later revisions of the measure leave the published entry as it was
    services.measure_update(measure=measures[0], fields={"title": "改了的名称"}, by=reviewer)
    entries[0].refresh_from_db()
    assert entries[0].title == fc.MEASURE["title"]


def test_publishing_mails_every_regions_staff(cycle, reviewer, measures, django_capture_on_commit_callbacks):
    other = f.regional_user("440000", OrgKind.REGIONAL_DRC, username="gd")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.list_publish(measure_list=draft, by=reviewer)
    assert len(mail.outbox) == 5  # 浙江 and 江苏 (two each) and 广东
    assert {m.to[0] for m in mail.outbox} >= {other.email}
    message = next(m for m in mail.outbox if m.to == [other.email])
    assert message.subject.endswith(f"《{cycle.year}年度全面改革创新举措清单》已公布，请组织揭榜")
    assert "请各地发展改革委、科技厅（委、局）组织揭榜" in message.body
    assert reverse("catalog:public_list", args=[draft.pk]) in message.body


def test_regions_see_the_published_notice_on_their_dashboard(cycle, reviewer, measures, client):
    published = fc.published_list(cycle, reviewer)
    client.force_login(f.regional_user("440000", OrgKind.REGIONAL_DRC))
    html = client.get(reverse("dashboard")).content.decode()
    assert f"《{published.title}》（第1版）已公布，请组织揭榜。" in html


def test_a_published_version_cannot_be_edited_by_the_service(cycle, reviewer, measures):
    published = fc.published_list(cycle, reviewer)
    expected = f"《{published.title}》第1版已公布，不能修改；如需调整请新建修订版本。"
    with pytest.raises(PermissionDenied) as exc:
        services.list_update(measure_list=published, title="新标题", by=reviewer)
    assert str(exc.value) == expected
    with pytest.raises(PermissionDenied) as exc:
        services.list_publish(measure_list=published, by=reviewer)
    assert str(exc.value) == expected
    with pytest.raises(PermissionDenied):
        services.consultation_send(measure_list=published, ministries=[fc.liaison_of("财政部").organization],
                                   by=reviewer)
    published.refresh_from_db()
    assert published.title == f"{cycle.year}年度全面改革创新举措清单"


def test_a_published_version_cannot_be_edited_by_the_form(cycle, reviewer, measures, client):
    published = fc.published_list(cycle, reviewer)
    form = ListTitleForm({"title": "新标题"}, instance=published)
    assert not form.is_valid()
    assert form.non_field_errors() == ["已公布的清单版本不能修改；如需调整请新建修订版本。"]
    client.force_login(reviewer)
    page = client.post(reverse("catalog:list_manage", args=[published.pk]), {"title": "新标题"})
    assert page.status_code == 200
    published.refresh_from_db()
    assert published.title == f"{cycle.year}年度全面改革创新举措清单"


def test_a_published_version_cannot_be_edited_in_the_admin(cycle, reviewer, measures, client):
    published = fc.published_list(cycle, reviewer)
    admin = MeasureListAdmin(MeasureList, site)
    request = RequestFactory().get("/")
    request.user = f.UserFactory(is_staff=True, is_superuser=True)
    assert admin.has_change_permission(request, published) is False
    assert admin.has_delete_permission(request, published) is False
    client.force_login(request.user)
    url = reverse("admin:catalog_measurelist_change", args=[published.pk])
    page = client.post(url, {"title": "新标题", "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0"})
    assert page.status_code == 403
    published.refresh_from_db()
    assert published.title == f"{cycle.year}年度全面改革创新举措清单"
    entry = published.entries.first()
    entry_url = reverse("admin:catalog_listentry_change", args=[entry.pk])
    client.post(entry_url, {"title": "改了"})
    entry.refresh_from_db()
    assert entry.title == fc.MEASURE["title"]


def test_a_draft_title_is_saved_through_the_service_in_the_admin(cycle, reviewer, measures, client):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    reviewer.is_staff = reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    url = reverse("admin:catalog_measurelist_change", args=[draft.pk])
    client.post(url, {"title": "2027年度清单（征求意见稿）", "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0",
                      "entries-MIN_NUM_FORMS": "0", "entries-MAX_NUM_FORMS": "1000"})
    draft.refresh_from_db()
    assert draft.title == "2027年度清单（征求意见稿）"
    assert draft.history.first().history_change_reason == "修改清单标题"


def test_republishing_creates_version_2_and_version_1_is_unchanged(cycle, reviewer, measures, client):
    first, second = measures
    v1 = fc.published_list(cycle, reviewer)
    before = list(ListEntry.objects.filter(measure_list=v1).order_by("position").values())
    services.measure_update(measure=first, fields={"goals": "年内赋权科技成果300项。"}, reason="提高目标", by=reviewer)
    services.measure_set_inclusion(measure=second, included=False, note="与国家层面部署重复", by=reviewer)
    v2 = fc.published_list(cycle, reviewer)
    assert (v2.version, v2.pk != v1.pk) == (2, True)
    assert list(ListEntry.objects.filter(measure_list=v1).order_by("position").values()) == before
    assert [e.title for e in v2.entries.all()] == [fc.MEASURE["title"]]
    page = client.get(reverse("catalog:public_list", args=[v2.pk]))
    diff = page.context["diff"]
    assert [e.title for e in diff["removed"]] == ["组建产业链创新联合体"]
    assert diff["added"] == []
    assert [(c["entry"].number, [(str(x["label"]), x["before"], x["after"]) for x in c["fields"]])
            for c in diff["changed"]] == [(f"{cycle.year}-01", [("改革目标", "年内赋权科技成果200项。", "年内赋权科技成果300项。")])]
    html = page.content.decode()
    assert "与第1版相比的变化" in html
    v1_page = client.get(reverse("catalog:public_list", args=[v1.pk]))
    assert [e.title for e in v1_page.context["entries"]] == [fc.MEASURE["title"], "组建产业链创新联合体"]
    assert client.get(reverse("catalog:published")).url == reverse("catalog:public_list", args=[v2.pk])


def test_an_empty_list_cannot_be_published(cycle, reviewer):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.list_publish(measure_list=draft, by=reviewer)
    assert exc.value.messages == ["清单中没有举措，不能公布。"]
