"""Every form of the portal applies the kernel's character rules (reform_portal.text) to every text field:
a character a 公文 cannot show is refused at that field with a message naming it, a one-line field refuses a line
break, and invisible characters are removed as before."""

import importlib
import pkgutil

import pytest
from django import forms

from reform_portal.forms import CleanTextMixin

from .. import factories as f
from ..evaluation import scenarios as fe
from ..model_counts import models_built

pytestmark = pytest.mark.django_db

APPS = ["reform_portal", "proposals", "catalog", "bidding", "evaluation", "tools"]
# The kernel's shims of the project shell (README: Upgrading) import the production settings or start an app.
NOT_IMPORTED = {"reform_portal.settings_production", "reform_portal.wsgi", "reform_portal.celery"}
PUA = "改革\ue000试点"
PUA_MESSAGE = "“\ue000”（U+E000）是私用区字符，公文和其他电脑上无法正确显示，请删除或改用文字。"
EMOJI = "新🫨表情"
EMOJI_MESSAGE = "“🫨”（U+1FAE8）无法在公文中显示，请删除或改用文字。"
NO_TEXT_FIELDS = {
    "catalog.forms.SendForm",
    "bidding.forms.NoticeIssueForm",  # a region and a number
    "bidding.forms.RegisterNextForm",  # a number
    "bidding.forms.EntitiesForm",
    "evaluation.forms.SchemeForm",
    "proposals.forms.AttachmentForm",
    "reform_portal.forms.ImportUploadForm",  # a file; its rows are checked by reform_portal.sheet_import
    "reform_portal.forms.ImportConfirmForm",  # the signed rows of the preview, checked again on confirmation
}
EMAIL_MESSAGE = "输入一个有效的 Email 地址。"


def _form_classes():
    """Every Form and ModelForm class defined in the project's packages (migrations aside)."""
    found = {}
    for app in APPS:
        package = importlib.import_module(app)
        names = [app] + [
            m.name
            for m in pkgutil.walk_packages(package.__path__, f"{app}.")
            if ".migrations" not in m.name and m.name not in NOT_IMPORTED
        ]
        for name in names:
            module = importlib.import_module(name)
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, forms.BaseForm) and obj.__module__ == name:
                    found[f"{name}.{obj.__qualname__}"] = obj
    return found


FORMS = _form_classes()


@pytest.fixture
def world(cycle, reviewer):
    task = fe.make_task(cycle, reviewer, with_report=False)
    return {"cycle": cycle, "region": f.region("330000"), "task": task, "reviewer": reviewer}


def _kwargs(cls, world):
    """What each form's constructor needs besides the data."""
    needs = {
        "ProposalForm": {"region": world["region"]},
        "EntitiesForm": {"region": world["region"]},
        "ReportForm": {"task": world["task"]},
        "CommissionForm": {"cycle": world["cycle"]},
        "IncentiveForm": {"cycle": world["cycle"]},
        "InviteForm": {"by": world["reviewer"]},
        "OrganizationForm": {"by": world["reviewer"]},
        "NoticeIssueForm": {
            "regions": [world["region"]],
            "year": world["cycle"].year,
            "doc_prefix": "发改高技",
        },
    }
    return needs.get(cls.__name__, {})


def _own_format_check(field):
    """A field that checks a format of its own (a regex, a phone validator) besides the text rules."""
    from reform_portal.text import TextValidator

    generic = {"MaxLengthValidator", "MinLengthValidator", "ProhibitNullCharactersValidator"}
    return isinstance(field, forms.RegexField) or any(
        not isinstance(v, TextValidator) and type(v).__name__ not in generic for v in field.validators
    )


def _text_fields(form):
    return {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput)
    }


def test_the_project_has_these_forms():
    """A new form class shows up here: it is then checked by the tests below (add its constructor arguments)."""
    assert sorted(FORMS) == [
        "bidding.forms.AnswerForm",
        "bidding.forms.BidForm",
        "bidding.forms.CoordinationForm",
        "bidding.forms.EntitiesForm",
        "bidding.forms.ExtensionForm",
        "bidding.forms.MilestoneForm",
        "bidding.forms.NoticeIssueForm",
        "bidding.forms.RegisterNextForm",
        "bidding.forms.ReportForm",
        "bidding.forms.SummaryForm",
        "bidding.forms.TargetForm",
        "catalog.forms.InclusionForm",
        "catalog.forms.ListTitleForm",
        "catalog.forms.MeasureForm",
        "catalog.forms.OpinionForm",
        "catalog.forms.RejectForm",
        "catalog.forms.ResponseForm",
        "catalog.forms.ReviewForm",
        "catalog.forms.RevisionForm",
        "catalog.forms.SendForm",
        "catalog.forms.SynonymForm",
        "evaluation.forms.AssessmentForm",
        "evaluation.forms.CommissionForm",
        "evaluation.forms.CommissionWithdrawForm",
        "evaluation.forms.IncentiveForm",
        "evaluation.forms.LibrarySearchForm",
        "evaluation.forms.OutcomeForm",
        "evaluation.forms.ReopenRequestForm",
        "evaluation.forms.ResultsPublishForm",
        "evaluation.forms.SchemeForm",
        "proposals.forms.AttachmentForm",
        "proposals.forms.BookCoverForm",
        "proposals.forms.ExtensionForm",
        "proposals.forms.ProposalForm",
        "proposals.forms.ResultForm",
        "proposals.forms.ReturnForm",
        "reform_portal.forms.ApiTokenForm",
        "reform_portal.forms.CycleActionForm",
        "reform_portal.forms.CycleForm",
        "reform_portal.forms.ExpertForm",
        "reform_portal.forms.ImportConfirmForm",
        "reform_portal.forms.ImportUploadForm",
        "reform_portal.forms.InviteForm",
        "reform_portal.forms.OrganizationForm",
        "reform_portal.forms.PasswordResetRequestForm",
        "reform_portal.forms.SearchForm",
        "reform_portal.forms.SettingsForm",
        "reform_portal.forms.TokenForm",
    ]


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_text_field_refuses_what_a_gongwen_cannot_show(name, world):
    cls = FORMS[name]
    fields = _text_fields(cls(**_kwargs(cls, world)))
    if name in NO_TEXT_FIELDS:
        assert fields == {}
        return
    assert fields, name
    assert issubclass(cls, CleanTextMixin)
    for value, message in ((PUA, PUA_MESSAGE), (EMOJI, EMOJI_MESSAGE)):
        form = cls(data=dict.fromkeys(fields, value), **_kwargs(cls, world))
        assert not form.is_valid()
        for field_name, field in fields.items():
            errors = form.errors[field_name]
            if isinstance(field, forms.EmailField):
                assert errors == [EMAIL_MESSAGE, message], (name, field_name)
            elif _own_format_check(field):  # a code or a phone number: its own message first, then ours
                assert len(errors) == 2 and errors[1] == message, (name, field_name, errors)
            else:
                assert errors == [message], (name, field_name)


@pytest.mark.parametrize("name", sorted(set(FORMS) - NO_TEXT_FIELDS))
def test_one_line_fields_refuse_line_breaks_and_multi_line_fields_keep_them(name, world):
    cls = FORMS[name]
    fields = _text_fields(cls(**_kwargs(cls, world)))
    form = cls(data=dict.fromkeys(fields, "第一行\r\n第二行\x00"), **_kwargs(cls, world))
    form.is_valid()
    for field_name, field in fields.items():
        if isinstance(field.widget, forms.Textarea):
            assert (
                field_name not in form.errors
                or "此项只能填写一行，请删除换行。" not in form.errors[field_name]
            )
            assert form.data[field_name] == "第一行\r\n第二行"
        else:
            assert "此项只能填写一行，请删除换行。" in form.errors[field_name], (name, field_name)


def test_invisible_characters_are_removed_and_the_rest_is_kept(world):
    from proposals.forms import ReturnForm

    form = ReturnForm(data={"reason": "请补充\u200b依据\x00😀，见附件\u2028第2页\ufe0f"})
    assert form.is_valid()
    assert form.cleaned_data["reason"] == "请补充依据😀，见附件\n第2页"


def test_name_options_are_djangos_options_without_building_models(region_a_drc):
    """NameChoiceField (issue 19): the same drop-down as Django's ModelChoiceField (hostile names escaped, the
    empty label, ``to_field_name``), its options read as columns — no Region or Organization model built — and
    what it accepts still checked against its queryset."""
    from django import forms as django_forms

    from reform_portal import widgets
    from reform_portal.forms import NameChoiceField
    from reform_portal.models import Organization, Region

    Region.objects.filter(pk=region_a_drc.organization.region_id).update(name="<b>\"浙&'江")
    Organization.objects.create(name='<script>alert("x")</script>', kind=region_a_drc.organization.kind)

    def form_class(field_class):
        class Form(django_forms.Form):
            region = field_class(
                queryset=Region.objects.order_by("code"),
                to_field_name="code",
                empty_label="全部",
                required=False,
            )
            organization = field_class(queryset=Organization.objects.order_by("name"), widget=widgets.Select)

        return Form

    chosen = {"region": region_a_drc.organization.region.code, "organization": region_a_drc.organization_id}
    with models_built(Region, Organization) as built:
        ours = form_class(NameChoiceField)(initial=chosen).as_p()
    assert built == []
    djangos = form_class(lambda **kw: django_forms.ModelChoiceField(**{"widget": widgets.Select, **kw}))
    assert ours == djangos(initial=chosen).as_p()
    assert "&lt;script&gt;" in ours and "<script>" not in ours and "selected" in ours
    bound = form_class(NameChoiceField)(data={**chosen, "organization": "999999"})
    assert not bound.is_valid() and "organization" in bound.errors and "region" not in bound.errors
    assert bound.cleaned_data["region"] == region_a_drc.organization.region
