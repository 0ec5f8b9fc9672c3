import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reform_portal import widgets
from reform_portal.forms import (
    CleanTextMixin,
    ModelMultipleChoiceField,
    validate_phone,
    validate_plausible_date,
)
from reform_portal.selectors import entity_library
from reform_portal.uploads import ATTACHMENT_LABEL, validate_upload

from .models import MeasureProposal, ProposalBook
from .services import PROPOSAL_FIELDS

# What the cover form edits (the page and the API): contact, 总体说明, and the 上行文's 发文字号 and 签发人.
COVER_FIELDS = ("contact_name", "contact_phone", "summary", "doc_number", "drc_signer", "scitech_signer")

# 发文字号: 机关代字, the year in full in 〔 〕, the number without 第 or leading zeros, 号 (GB/T 9704 7.2.4).
DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}〔\d{4}〕[1-9]\d{0,5}号$")
_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "【": "〔", "(": "〔", "（": "〔",
                           "]": "〕", "］": "〕", "】": "〕", ")": "〕", "）": "〕"})  # fmt: skip


class BookCoverForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = ProposalBook
        fields = list(COVER_FIELDS)
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def clean_doc_number(self):
        """Typed brackets ([2027], （2027）, 【2027】) become 〔2027〕; anything else not in the standard's form is
        refused with an example."""
        value = re.sub(r"\s+", "", self.cleaned_data.get("doc_number") or "").translate(_BRACKETS)
        if value and not DOC_NUMBER.match(value):
            raise forms.ValidationError(
                _(
                    "发文字号应为“机关代字〔年份〕序号号”，如：浙发改高技〔2027〕12号（序号不加“第”，不编虚位）。"
                )
            )
        return value

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"].strip()
        validate_phone(value)
        return value


class ProposalForm(CleanTextMixin, forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = MeasureProposal
        fields = [*PROPOSAL_FIELDS[:6], "entities", *PROPOSAL_FIELDS[6:]]
        widgets = {
            "pain_points": forms.Textarea(attrs={"rows": 4}),
            "content": forms.Textarea(attrs={"rows": 6}),
            "steps": forms.Textarea(
                attrs={"rows": 5, "placeholder": "例：2027年6月前出台实施办法；2027年12月前完成首批试点……"}
            ),
            "new_entities": forms.Textarea(attrs={"rows": 2}),
            "entities": widgets.CheckboxSelectMultiple,
        }
        field_classes = {"entities": ModelMultipleChoiceField}

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entities"].queryset = entity_library(region.pk if region is not None else None)
        self.fields["entities"].required = False
        self.fields["title"].help_text = _("不超过60个字")
        if self.instance.pk:
            self.fields["revision"].initial = self.instance.revision

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("请填写举措名称。"))
        return title

    def clean(self):
        data = super().clean()
        if (
            data.get("authority_level") == "national"
            and "coordination_departments" in data
            and not data["coordination_departments"].strip()
        ):
            self.add_error("coordination_departments", _("需国家层面协调的举措，请填写需协调的国家部门。"))
        return data


class ResultForm(CleanTextMixin, forms.Form):
    indicator = forms.CharField(label=_("指标"), max_length=100, required=False)
    unit = forms.CharField(label=pgettext_lazy("计量", "单位"), max_length=20, required=False)
    target = forms.DecimalField(
        label=_("目标值"), max_digits=14, decimal_places=2, required=False, min_value=Decimal("0")
    )

    def clean(self):
        data = super().clean()
        filled = [bool(data.get("indicator")), bool(data.get("unit")), data.get("target") is not None]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("预期成效须同时填写指标、单位和目标值。"))
        return data


ResultFormSet = forms.formset_factory(ResultForm, extra=2, max_num=10, absolute_max=20)


def results_from(formset):
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and f.cleaned_data.get("indicator")]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=ATTACHMENT_LABEL)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload)
        return upload


class ReturnForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=1000)


class ExtensionForm(CleanTextMixin, forms.Form):
    until = forms.DateField(
        label=_("延长至"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_plausible_date],
    )
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
