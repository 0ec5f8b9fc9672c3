from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.enums import ReformArea
from reform_portal import widgets
from reform_portal.forms import (
    CleanTextMixin,
    ModelMultipleChoiceField,
    NameChoiceField,
    limit_length,
    validate_plausible_date,
)
from reform_portal.models import Region
from reform_portal.uploads import validate_upload

from . import selectors
from .enums import IncentiveKind
from .models import Assessment, EvaluationScheme, Outcome


class _TaskOptions(ModelChoiceIterator):
    """A task's option from the label's three columns, not a task, its region and its list entry built as models for
    each of the year's 140 tasks (issue 19: ≈3 ms of the 激励登记 page); what the field accepts is still checked
    against its queryset."""

    def __iter__(self):
        rows = self.queryset.values_list("pk", "region__name", "entry__number", "entry__title")
        for pk, region, number, title in rows:
            yield ModelChoiceIteratorValue(pk, None), TaskChoiceField.option_label(region, number, title)


class TaskChoiceField(ModelMultipleChoiceField):
    iterator = _TaskOptions

    @staticmethod
    def option_label(region, number, title):
        return f"{region}：{number} {title}"

    def label_from_instance(self, obj):
        return self.option_label(obj.region, obj.entry.number, obj.entry.title)


class AgencyChoiceField(forms.ModelChoiceField):
    widget = widgets.Select

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region or _('无所在地区')}）"


class CommissionForm(CleanTextMixin, forms.Form):
    agency = AgencyChoiceField(
        label=_("第三方评估机构"),
        queryset=None,
        error_messages={"required": _("请选择评估机构。"), "invalid_choice": _("请选择有效的评估机构。")},
    )
    tasks = TaskChoiceField(
        label=_("待评估任务"),
        queryset=None,
        widget=widgets.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少选择一项待评估任务。"),
            "invalid_choice": _("所选任务已不在“待评估”状态，请刷新页面。"),
            "invalid_pk_value": _("所选任务无效。"),
        },
    )
    due_date = forms.DateField(
        label=_("评估完成时限"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_plausible_date],
        error_messages={
            "required": _("请填写评估完成时限。"),
            "invalid": _("请填写有效日期，例如 2028-09-30。"),
        },
    )
    terms = forms.CharField(
        label=_("委托事项与评估要求"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=3000,
        error_messages={"required": _("请填写委托事项与评估要求。")},
    )

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = selectors.evaluation_agencies()
        self.fields["tasks"].queryset = selectors.pending_tasks(cycle)

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("评估完成时限不能早于今天。"))
        return due


class AssessmentForm(CleanTextMixin, forms.ModelForm):
    report_file = forms.FileField(
        label=_("评估报告（PDF）"),
        required=False,
        help_text=_("仅接受 PDF 文件（按内容识别）；已上传的报告可不必重新选择。"),
    )

    class Meta:
        model = Assessment
        fields = [
            "score_attainment",
            "score_breakthrough",
            "score_replicability",
            "score_satisfaction",
            "conclusion",
            "recommend_promotion",
        ]
        widgets = {"conclusion": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("score_attainment", "score_breakthrough", "score_replicability", "score_satisfaction"):
            field = self.fields[name]
            field.widget.attrs.update({"min": "0", "max": "100", "step": "0.01"})
            field.error_messages.update(
                {
                    "invalid": _("请输入0—100之间的数字。"),
                    "max_digits": _("请输入0—100之间、最多两位小数的数字。"),
                    "max_decimal_places": _("最多保留两位小数。"),
                }
            )
            field.help_text = _("0—100分")
        limit_length(self, {"conclusion": 5000})

    def clean_report_file(self):
        upload = self.cleaned_data.get("report_file")
        if upload:
            validate_upload(upload, kinds=("pdf",))
        return upload


class ReopenRequestForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("更正内容和理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": _("请说明需要更正的内容和理由。")},
    )


class CommissionWithdrawForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("撤回理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": _("请填写撤回理由。")},
    )


class ResultsPublishForm(CleanTextMixin, forms.Form):
    """公布评估结果 / 撤回公布: the reason (required when tasks are still unassessed, and to withdraw)."""

    reason = forms.CharField(
        label=_("理由"), required=False, max_length=200, widget=forms.Textarea(attrs={"rows": 3})
    )


class SchemeForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = EvaluationScheme
        fields = [
            "weight_attainment",
            "weight_breakthrough",
            "weight_replicability",
            "weight_satisfaction",
            "cut_excellent",
            "cut_good",
            "cut_pass",
        ]


class OutcomeForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["title", "summary", "problem_solved", "how_to_replicate", "applicable_scope"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ("summary", "problem_solved", "how_to_replicate", "applicable_scope")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(
            self, dict.fromkeys(("summary", "problem_solved", "how_to_replicate", "applicable_scope"), 5000)
        )

    def clean(self):
        data = super().clean()
        for name in self.Meta.fields:
            if name in data and not str(data[name]).strip():
                self.add_error(name, _("请填写此项。"))
        return data


class IncentiveForm(CleanTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("激励方式"), choices=IncentiveKind.choices)
    # the options from the regions' and units' names, not one model each (issue 19)
    region = NameChoiceField(label=_("地区"), queryset=Region.objects.filter(active=True), required=False)
    organization = NameChoiceField(
        label=_("单位"),
        queryset=None,
        required=False,
        help_text=_("本年度揭榜任务的实施主体"),
        widget=widgets.Select,
    )
    tasks = TaskChoiceField(
        label=_("相关任务"), queryset=None, required=False, widget=widgets.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("激励理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("请填写激励理由。")},
    )

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        from bidding.models import Task
        from reform_portal.models import Organization

        # the units that implement the year's tasks (实施主体): not every organisation of every year, which made
        # the page grow with the portal's history (issue 19)
        self.fields["organization"].queryset = (
            Organization.objects.filter(
                pk__in=Task.entities.through.objects.filter(task__cycle=cycle).values("organization")
            )
            .exclude(kind__in=["national_ndrc", "national_most"])
            .order_by("name")
        )
        self.fields["tasks"].queryset = (
            Task.objects.filter(cycle=cycle)
            .select_related("region", "entry")
            # the label's texts (TaskChoiceField) and the year the service checks, not 140 whole tasks (issue 19)
            .only("cycle", "region__name", "entry__number", "entry__title")
            .order_by("region__code", "entry__position")
        )

    def clean(self):
        data = super().clean()
        if "region" in data and "organization" in data and not data["region"] and not data["organization"]:
            self.add_error("region", _("请选择受激励的地区或单位（至少一项）。"))
        return data


class LibrarySearchForm(CleanTextMixin, forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=50)
    area = forms.ChoiceField(
        label=_("改革任务领域"), required=False, choices=[("", _("全部"))] + list(ReformArea.choices)
    )
    region = forms.ChoiceField(
        label=_("地区"), required=False, widget=widgets.Select
    )  # grows with the regions
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("全部"))] + [
            (r.code, r.name) for r in Region.objects.order_by("code")
        ]
