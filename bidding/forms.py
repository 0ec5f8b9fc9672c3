from django import forms
from django.utils.translation import gettext_lazy as _

from reform_portal import widgets
from reform_portal.enums import OrgKind
from reform_portal.forms import (
    CleanTextMixin,
    ModelMultipleChoiceField,
    limit_length,
    validate_phone,
    validate_plausible_date,
)
from reform_portal.models import Organization, Region
from reform_portal.selectors import entity_library
from reform_portal.uploads import ATTACHMENT_LABEL, validate_upload

from .models import Bid, Milestone, Target
from .services import MILESTONE_FIELDS, REPORT_STATUSES, TARGET_FIELDS

IMPLEMENTING_CHOICES = [(k.value, k.label) for k in OrgKind.implementing()]


class BidForm(CleanTextMixin, forms.ModelForm):
    entity_kinds = forms.MultipleChoiceField(
        label=_("拟定实施主体类型"),
        choices=IMPLEMENTING_CHOICES,
        widget=widgets.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一类拟定实施主体。")},
    )

    class Meta:
        model = Bid
        fields = ["approach", "entity_kinds", "entity_names", "contact_name", "contact_phone"]
        widgets = {
            "approach": forms.Textarea(attrs={"rows": 6}),
            "entity_names": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"entity_names": _("拟承担实施的具体单位，每行一个")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self, {"approach": 5000, "entity_names": 1000})

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        validate_phone(value)
        return value


class EntitiesForm(forms.Form):
    entities = ModelMultipleChoiceField(
        label=_("实施主体"),
        queryset=Organization.objects.none(),
        widget=widgets.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entities"].queryset = entity_library(region.pk if region is not None else None)


class MilestoneForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = MILESTONE_FIELDS
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].validators.append(validate_plausible_date)

    def clean_responsible_phone(self):
        value = self.cleaned_data["responsible_phone"].strip()
        validate_phone(value)
        return value


class TargetForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Target
        fields = TARGET_FIELDS

    def clean(self):
        data = super().clean()
        if data.get("baseline") is not None and data.get("baseline") == data.get("target"):
            self.add_error("target", _("目标值须与基期值不同，才能考核。"))
        return data


class ReportForm(CleanTextMixin, forms.Form):
    """A progress report: a field per target (actual value) and per milestone (status, note)."""

    period_end = forms.DateField(
        label=_("报告期截至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    narrative = forms.CharField(
        label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    attachment = forms.FileField(label=ATTACHMENT_LABEL, required=False)

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(task.targets.all())
        self.milestones = list(task.milestones.all())
        for t in self.targets:
            self.fields[f"actual_{t.pk}"] = forms.DecimalField(
                label=f"{t.indicator}（{t.unit}）",
                max_digits=14,
                decimal_places=2,
                help_text=_("基期值 %(b)s，目标值 %(t)s") % {"b": t.baseline, "t": t.target},
                error_messages={"required": _("请填写实际值。"), "invalid": _("实际值须为数字。")},
            )
        choices = [(s.value, s.label) for s in REPORT_STATUSES]
        for m in self.milestones:
            self.fields[f"status_{m.pk}"] = forms.ChoiceField(
                label=f"{m.title}（{m.due_date:%Y-%m-%d}）",
                choices=choices,
                initial=m.status if m.status in dict(choices) else "on_track",
            )
            self.fields[f"note_{m.pk}"] = forms.CharField(label=_("说明"), max_length=300, required=False)

    def target_fields(self):
        return [self[f"actual_{t.pk}"] for t in self.targets]

    def milestone_fields(self):
        return [(self[f"status_{m.pk}"], self[f"note_{m.pk}"]) for m in self.milestones]

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_upload(upload)
        return upload

    def actuals(self):
        return {t.pk: self.cleaned_data[f"actual_{t.pk}"] for t in self.targets}

    def statuses(self):
        return {
            m.pk: (self.cleaned_data[f"status_{m.pk}"], self.cleaned_data.get(f"note_{m.pk}", ""))
            for m in self.milestones
        }


class CoordinationForm(CleanTextMixin, forms.Form):
    subject = forms.CharField(label=_("事项"), max_length=100)
    detail = forms.CharField(
        label=_("具体困难和问题"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000
    )


class AnswerForm(CleanTextMixin, forms.Form):
    answer = forms.CharField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


class SummaryForm(CleanTextMixin, forms.Form):
    achieved = forms.CharField(
        label=_("完成情况（对照目标）"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    replicable = forms.CharField(
        label=_("可复制推广的经验"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )


class ExtensionForm(CleanTextMixin, forms.Form):
    region = forms.ModelChoiceField(
        label=_("地区"),
        queryset=Region.objects.filter(active=True).order_by("code"),
        widget=widgets.Select,  # the 31 regions: options written in Python (issue 19: ≈1.7 ms on 揭榜矩阵)
    )
    until = forms.DateField(
        label=_("延长至"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_plausible_date],
    )
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


class NoticeIssueForm(forms.Form):
    """下达 one region's letter, with the 发文字号 the office's registry assigned (or the register's next number)."""

    region = forms.ModelChoiceField(label=_("地区"), queryset=Region.objects.none(), widget=widgets.Select)
    number = forms.IntegerField(
        label=_("发文字号序号"),
        required=False,
        min_value=1,
        help_text=_("按本单位发文登记簿填写序号；留空则自动取用登记簿的下一个未用序号"),
    )

    def __init__(self, *args, regions=(), year, doc_prefix, **kwargs):
        super().__init__(*args, **kwargs)
        self.year, self.doc_prefix = year, doc_prefix  # not ``prefix``: a Form's own attribute
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by(
            "code"
        )

    def clean_number(self):
        from reform_portal import docnumbers

        number = self.cleaned_data.get("number")
        docnumbers.check_typed(self.year, self.doc_prefix, number)
        return number


class RegisterNextForm(forms.Form):
    """The office sets where the register's counter goes on (to follow its own 发改高技 series)."""

    next_number = forms.IntegerField(label=_("下一个序号"), min_value=1)
