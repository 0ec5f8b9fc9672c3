from django import forms
from django.utils.translation import gettext_lazy as _

from reform_portal import widgets
from reform_portal.enums import OrgKind
from reform_portal.forms import (
    CleanTextMixin,
    ModelMultipleChoiceField,
    add_revision_field,
    validate_phone,
    validate_plausible_date,
)
from reform_portal.selectors import entity_library

from .models import Collection, Suggestion


class CollectionForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Collection
        fields = ["title", "description", "pain_points_sought", "closes_on", "public_form", "invited"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "pain_points_sought": forms.Textarea(attrs={"rows": 3}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "invited": widgets.CheckboxSelectMultiple,
        }
        field_classes = {"invited": ModelMultipleChoiceField}

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invited"].queryset = entity_library(region.pk if region is not None else None)
        self.fields["invited"].required = False
        self.fields["closes_on"].validators.append(validate_plausible_date)
        add_revision_field(self, self.instance.revision if self.instance.pk else None)


class SuggestionForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Suggestion
        fields = ["title", "pain_points", "measure", "effect", "contact_name", "contact_phone"]
        widgets = {
            "pain_points": forms.Textarea(attrs={"rows": 4}),
            "measure": forms.Textarea(attrs={"rows": 6}),
            "effect": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].help_text = _("不超过60个字")
        add_revision_field(self, self.instance.revision if self.instance.pk else None)

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        validate_phone(value)
        return value


PUBLIC_KINDS = [
    ("", _("请选择")),
    *[(k.value, k.label) for k in OrgKind.implementing()],
]


class PublicSuggestionForm(SuggestionForm):
    """公开征集 (no account): name, unit and phone required; ``website`` is a honeypot people never see."""

    unit_name = forms.CharField(label=_("单位名称"), max_length=100)
    unit_kind = forms.ChoiceField(label=_("单位类型"), choices=PUBLIC_KINDS, required=False)
    website = forms.CharField(
        label=_("网址（请留空）"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta(SuggestionForm.Meta):
        labels = {"contact_name": _("姓名"), "contact_phone": _("手机或电话")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["unit_name"].initial = self.instance.unit_name
            self.fields.pop("unit_kind")
        for name in ("contact_name", "contact_phone", "unit_name"):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = _("请填写%(f)s。") % {"f": self.fields[name].label}

    def clean(self):
        data = super().clean()
        if data.get("website"):  # a person never sees the field; a form-filling robot fills it
            raise forms.ValidationError(_("提交未被接受，请刷新页面后重试。"), code="honeypot")
        return data


class ReviewForm(CleanTextMixin, forms.Form):
    score = forms.IntegerField(label=_("评分（0—100）"), min_value=0, max_value=100, required=False)
    opinion = forms.CharField(label=_("简要意见"), max_length=200, required=False)
    tags = forms.CharField(label=_("标签"), max_length=100, required=False)


REPLY_ACTIONS = [
    ("adopt", _("已采纳")),
    ("merge", _("已合并")),
    ("decline", _("暂不采纳")),
    ("reconsider", _("重新答复")),
]


class ReplyForm(CleanTextMixin, forms.Form):
    action = forms.ChoiceField(label=_("答复"), choices=REPLY_ACTIONS)
    reason = forms.CharField(
        label=_("答复意见或理由"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    proposal = forms.TypedChoiceField(label=_("采纳为举措"), coerce=int, required=False, empty_value=None)
    merged_into = forms.TypedChoiceField(label=_("合并至建议"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, proposals=(), others=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].choices = [("", "—"), *[(p.pk, p.title) for p in proposals]]
        self.fields["merged_into"].choices = [("", "—"), *[(s.pk, s.title) for s in others]]


class ModerateForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("审核通过")), ("reject", _("不予受理"))])


class ReopenForm(forms.Form):
    closes_on = forms.DateField(label=_("新的截止日期"), validators=[validate_plausible_date])


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"))
