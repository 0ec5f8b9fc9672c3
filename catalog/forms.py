from django import forms
from django.utils.translation import gettext_lazy as _

from reform_portal import widgets
from reform_portal.forms import CleanTextMixin, ModelMultipleChoiceField, limit_length

from .enums import OpinionStance, Recommendation
from .models import ExpertReview, Measure, MeasureList
from .services import MEASURE_FIELDS


class MeasureForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Measure
        fields = MEASURE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            # the same markup as Django's Select, written in Python: its templates (one per option) were ≈0.4 ms of
            # 汇总与合并, which shows this form on every visit (issue 19)
            "area": widgets.Select,
            "authority_level": widgets.Select,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self, {"description": 5000, "goals": 3000})

    def clean(self):
        data = super().clean()
        if (
            data.get("authority_level") == "national"
            and "coordination_departments" in data
            and not data["coordination_departments"].strip()
        ):
            self.add_error("coordination_departments", _("需国家层面协调的举措，请填写国家协调部门。"))
        return data


class RevisionForm(MeasureForm):
    reason = forms.CharField(label=_("修订说明"), max_length=200, required=False)


class RejectForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(label=_("未采纳理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class InclusionForm(CleanTextMixin, forms.Form):
    included = forms.TypedChoiceField(
        label=_("是否列入清单"), coerce=lambda v: v == "1", choices=[("1", _("列入")), ("0", _("不列入"))]
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


SCORE_CHOICES = [(i, str(i)) for i in range(1, 6)]


class ReviewForm(CleanTextMixin, forms.Form):
    recommendation = forms.ChoiceField(
        label=_("论证意见"), choices=Recommendation.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for key, label in ExpertReview.CRITERIA:
            fields[f"{key}_score"] = forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
            )
            fields[f"{key}_comment"] = forms.CharField(
                label=_("评语"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
            )
        fields["recommendation"] = self.fields.pop("recommendation")
        self.fields.update(fields)

    def criteria(self):
        return [(label, self[f"{key}_score"], self[f"{key}_comment"]) for key, label in ExpertReview.CRITERIA]

    def scores(self):
        return {k: self.cleaned_data[f"{k}_score"] for k, _l in ExpertReview.CRITERIA}

    def comments(self):
        return {k: self.cleaned_data[f"{k}_comment"] for k, _l in ExpertReview.CRITERIA}


class SendForm(forms.Form):
    ministries = ModelMultipleChoiceField(
        label=_("征求意见部门"),
        queryset=None,
        widget=widgets.CheckboxSelectMultiple,
        error_messages={"required": _("请选择征求意见的部门。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import ministries

        self.fields["ministries"].queryset = ministries()


class OpinionForm(CleanTextMixin, forms.Form):
    stance = forms.ChoiceField(label=_("意见"), choices=OpinionStance.choices)
    text = forms.CharField(
        label=_("具体意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("stance") in ("revise", "disagree") and "text" in data and not data["text"].strip():
            self.add_error("text", _("修改后同意或不同意的，请填写具体意见。"))
        return data


class ResponseForm(CleanTextMixin, forms.Form):
    response = forms.CharField(
        label=_("采纳情况说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ListTitleForm(CleanTextMixin, forms.ModelForm):
    """Edits a draft list's title; refuses a published version."""

    class Meta:
        model = MeasureList
        fields = ["title"]

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.is_published:
            raise forms.ValidationError(_("已公布的清单版本不能修改；如需调整请新建修订版本。"))
        return data


class SynonymForm(CleanTextMixin, forms.Form):
    canonical = forms.CharField(label=_("规范用语"), max_length=40)
    variants = forms.CharField(
        label=_("同义表述"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("以空格、顿号或换行分隔，每个表述不超过40字"),
    )
    reason = forms.CharField(label=_("修改说明"), max_length=100, required=False)
