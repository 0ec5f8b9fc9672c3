"""Form helpers shared by every stage."""

import datetime
import re

from django import forms
from django.core import validators
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy

from . import text, widgets


def strip_control(value: str) -> str:
    """Remove control and invisible characters users paste from other programs; keep newlines/tabs
    (``text.normalize``)."""
    return text.normalize(value)


class CleanTextMixin:
    """Every text field of the form (not hidden ones): control and invisible characters are removed before
    validation, and a character a 公文 cannot show is refused at the field with a message naming it
    (``text.normalize`` and ``text.TextValidator``). A field with a Textarea is multi-line; any other is one
    line, where a line break is refused and a tab becomes a space. Fields added in ``__init__`` are covered too:
    the check is attached when the form validates."""

    def _clean_fields(self):
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.HiddenInput):
                continue
            multiline = isinstance(field.widget, forms.Textarea)
            if not any(isinstance(v, text.TextValidator) for v in field.validators):
                field.validators.append(text.TextValidator(multiline=multiline))
            key = self.add_prefix(name)
            if key in self.data and hasattr(self.data, "copy"):
                value = self.data[key]
                if not isinstance(value, str):
                    continue
                if not getattr(self.data, "_mutable", True):
                    self.data = self.data.copy()
                self.data[key] = text.normalize(value, multiline=multiline)
        super()._clean_fields()


PHONE = re.compile(r"^[0-9+\-() ]{7,30}$")


def validate_phone(value):
    if value and not PHONE.match(value):
        raise forms.ValidationError("请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。")


MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField) PostgreSQL and SQLite can hold


def parse_id(value):
    """An object ID from a request (a form, a query string): a positive integer the database can hold, or None
    for anything else ("abc", "1.5", "²", 10**20), so a forged value never reaches a query."""
    value = str(value if value is not None else "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_region_code(value) -> str:
    """A region filter from a query string: a 6-digit administrative division code (ASCII digits), else ""
    (so "²", a NUL or a 10 kB string never reaches a query)."""
    value = str(value if value is not None else "").strip()
    return value if len(value) == 6 and value.isascii() and value.isdigit() else ""


def parse_search_text(value, max_length: int = 50) -> str:
    """Search text from a query string: control characters (a NUL, which PostgreSQL refuses in text) dropped,
    white space collapsed, at most ``max_length`` characters."""
    text = "".join(ch for ch in str(value if value is not None else "") if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:max_length]


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a value that is not an ID before querying: Django checks the ``__in`` lookup only at the
    database, where a number beyond the integer range is an error (SQLite) instead of an invalid choice."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk":
            for pk in value:
                if parse_id(pk) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


def limit_length(form, limits):
    """Give unbounded text fields (model TextFields) of ``form`` a maximum length: {name: characters}."""
    for name, limit in limits.items():
        field = form.fields[name]
        field.max_length = limit
        field.validators.append(validators.MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)


EARLIEST_DATE, LATEST_DATE = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def validate_plausible_date(value):
    """A date typed into a form lies in 2000–2100: 9999-12-31 would overflow the end-of-day deadlines and the
    reminder scan that every user's pages and mails depend on."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise forms.ValidationError(gettext_lazy("请填写2000年至2100年之间的日期。"), code="out_of_range")


def add_revision_field(form, revision):
    """Optimistic locking: a hidden ``revision`` holding the version of the object the user loaded; the
    service refuses to save over a newer one (``services.check_revision``) and the page keeps the text.
    Our pages always send it; a request without it (a script, an old test client) is saved unchecked."""
    form.fields["revision"] = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        error_messages={
            "invalid": gettext_lazy("页面已过期，请刷新后重新修改。"),
            "min_value": gettext_lazy("页面已过期，请刷新后重新修改。"),
            "max_value": gettext_lazy("页面已过期，请刷新后重新修改。"),
        },
    )
    form.fields["revision"].initial = revision


class ImportUploadForm(forms.Form):
    """从Excel导入: the filled-in template (reform_portal.sheet_import reads and checks it)."""

    file = forms.FileField(
        label=gettext_lazy("Excel文件（.xlsx，使用下载的模板填写）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args, revision=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_revision_field(self, revision)


class ImportConfirmForm(forms.Form):
    """确认导入: the rows read at the preview (signed) and the revision the preview was made on."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, revision=None, **kwargs):
        super().__init__(*args, **kwargs)
        add_revision_field(self, revision)


# ---- accounts ---------------------------------------------------------------------------------------------


class PasswordResetRequestForm(CleanTextMixin, forms.Form):
    email = forms.EmailField(label=gettext_lazy("电子邮箱"), max_length=254)


class TokenForm(CleanTextMixin, forms.Form):
    """A six-digit code of the user's authenticator."""

    token = forms.RegexField(
        label=gettext_lazy("验证码"),
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        error_messages={"invalid": gettext_lazy("请输入验证器显示的6位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class NameOptions(ModelChoiceIterator):
    """A choice field's options from two columns, its key (``to_field_name`` or pk) and ``name``, instead of one
    model per option (issue 19: the year's 实施主体 and the 31 regions of 激励登记 and the lists' 地区 filters were
    built as models on every visit). Only for models whose label is their ``name`` (``Region``, ``Organization``:
    ``label_from_instance`` is ``str()``); what the field accepts is still checked against its queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        for value, name in self.queryset.values_list(key, "name"):
            yield ModelChoiceIteratorValue(value, None), name


class ModelChoiceField(forms.ModelChoiceField):
    """Refuses a value that is not an ID before querying (see ``ModelMultipleChoiceField``). Its drop-down is
    written in Python (:class:`reform_portal.widgets.Select`): its options grow with the data."""

    widget = widgets.Select

    def to_python(self, value):
        if (
            value not in self.empty_values
            and (self.to_field_name or "pk") == "pk"
            and parse_id(value) is None
        ):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class InviteForm(CleanTextMixin, forms.Form):
    """An invitation: the organisation and role come from what ``by`` may invite (reform_portal.selectors)."""

    organization = ModelChoiceField(label=gettext_lazy("所属单位"), queryset=None)
    role = forms.ChoiceField(label=gettext_lazy("角色"))
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    email = forms.EmailField(label=gettext_lazy("电子邮箱"), max_length=254)
    phone = forms.CharField(
        label=gettext_lazy("电话"), max_length=30, required=False, validators=[validate_phone]
    )

    def __init__(self, *args, by, **kwargs):
        from .selectors import invitable_organizations, invitable_roles

        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = invitable_organizations(by)
        self.fields["organization"].label_from_instance = lambda o: (
            f"{o.name}（{o.get_kind_display()}{'，' + o.region.name if o.region_id else ''}）"
        )
        roles = invitable_roles(by)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0].value


# ---- organisations and the user's own settings -------------------------------------------------------------


class OrganizationForm(CleanTextMixin, forms.Form):
    """An organisation: national reviewers choose any kind and the region; regional staff add implementing
    entities of their own region (no region field). Validation of identity is the service's."""

    name = forms.CharField(label=gettext_lazy("单位名称"), max_length=100)
    short_name = forms.CharField(label=gettext_lazy("简称"), max_length=40, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("类型"))
    region = ModelChoiceField(label=gettext_lazy("所在地区"), queryset=None, required=False)
    credit_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("18位，选填；填写后以此识别单位，其他地区可直接选用"),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("分层推进层级"),
        required=False,
        help_text=gettext_lazy("省级、重点城市、试点单位或其他（通知四：分层推进机制）"),
    )

    def __init__(self, *args, by, revision=None, **kwargs):
        from .enums import OrgKind, OrgLevel, Role
        from .models import Region
        from .rules import organization_kinds_for

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, OrgKind(k).label) for k in organization_kinds_for(by)]
        self.fields["level"].choices = [("", "—"), *OrgLevel.choices]
        if by.has_role(Role.NATIONAL_REVIEWER):
            self.fields["region"].queryset = Region.objects.order_by("code")
            self.fields["region"].help_text = gettext_lazy("国家部门不选；地方单位、实施主体必选")
        else:
            del self.fields["region"]
        if revision is not None:
            add_revision_field(self, revision)

    def clean_credit_code(self):
        from django.core.exceptions import ValidationError

        from .validators import normalize_credit_code, validate_credit_code

        code = normalize_credit_code(self.cleaned_data.get("credit_code", ""))
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from exc
        return code


class SettingsForm(CleanTextMixin, forms.Form):
    """个人设置: the phone, and whether notifications also go to it as 短信 / 政务IM."""

    phone = forms.CharField(
        label=gettext_lazy("手机号码"), max_length=30, required=False, validators=[validate_phone]
    )
    notify_sms = forms.BooleanField(label=gettext_lazy("通知同时发送到手机"), required=False)

    def clean(self):
        from .validators import is_mobile

        data = super().clean()
        if data.get("notify_sms") and "phone" in data and not is_mobile(data["phone"]):
            self.add_error("phone", gettext_lazy("接收短信（政务IM）提醒需填写11位手机号码。"))
        return data


class ExpertForm(CleanTextMixin, forms.Form):
    """Where an expert works (the employer's region is the conflict rule's) and their post."""

    organization = ModelChoiceField(label=gettext_lazy("所在单位"), queryset=None)
    post = forms.CharField(label=gettext_lazy("职务"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        from .models import Organization
        from .rules import ROLE_ORG_KINDS

        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            Organization.objects.filter(kind__in=ROLE_ORG_KINDS["expert"])
            .select_related("region")
            .order_by("name")
        )
        self.fields["organization"].label_from_instance = lambda o: (
            f"{o.name}（{o.region.name if o.region_id else gettext_lazy('未注明地区')}）"
        )
        self.fields["organization"].help_text = gettext_lazy(
            "所在单位的地区用于回避规则；单位不在列表中的，请先在单位管理中添加"
        )


class ApiTokenForm(CleanTextMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("令牌名称"),
        max_length=60,
        help_text=gettext_lazy("调用本平台接口的系统，如“省科技管理信息系统”"),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("有效期"),
        coerce=int,
        initial=90,
        choices=[
            (30, gettext_lazy("30天")),
            (90, gettext_lazy("90天")),
            (180, gettext_lazy("180天")),
            (366, gettext_lazy("一年")),
        ],
    )


class SearchForm(CleanTextMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("关键词"), max_length=100, help_text=gettext_lazy("多个词以空格分隔，须全部包含")
    )


class CycleForm(CleanTextMixin, forms.Form):
    """年度工作安排: a year's dates and numbers (a new year's, or a change with its reason)."""

    proposal_deadline = forms.DateField(
        validators=[validate_plausible_date],
        label=gettext_lazy("建议书报送截止"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    review_deadline = forms.DateField(
        validators=[validate_plausible_date],
        label=gettext_lazy("清单制定截止（专家论证、征求意见）"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bidding_opens = forms.DateField(
        validators=[validate_plausible_date],
        label=gettext_lazy("揭榜开始"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bidding_deadline = forms.DateField(
        validators=[validate_plausible_date],
        label=gettext_lazy("揭榜截止"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    implementation_end = forms.DateField(
        validators=[validate_plausible_date],
        label=gettext_lazy("组织实施截止"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    evaluation_due = forms.DateField(
        validators=[validate_plausible_date],
        label=gettext_lazy("第三方评估截止"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    min_proposals = forms.IntegerField(label=gettext_lazy("建议书最少举措数"), min_value=1, max_value=50)
    max_proposals = forms.IntegerField(label=gettext_lazy("建议书最多举措数"), min_value=1, max_value=50)
    min_bids = forms.IntegerField(label=gettext_lazy("每地最少揭榜数"), min_value=1, max_value=50)
    notice_contacts = forms.CharField(
        label=gettext_lazy("公文联系人及电话"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("印在通知书正文之后，如：于智锋 010-68501985；韩可珂 010-58884279"),
    )
    notice_cc = forms.CharField(
        label=gettext_lazy("公文抄送机关"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("版记中的抄送机关，以顿号分隔，如：财政部、教育部"),
    )
    notice_printed_by = forms.CharField(
        label=gettext_lazy("印发机关"),
        max_length=40,
        initial="国家发展改革委办公厅",
        help_text=gettext_lazy("版记中的印发机关"),
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("修改日期须填写理由；日期早于今天时也须填写。理由记入修改历史。"),
    )


class CycleActionForm(CleanTextMixin, forms.Form):
    """A stage action's confirmation: the reason (required when something is outstanding or it is early)."""

    reason = forms.CharField(
        label=gettext_lazy("理由"), required=False, max_length=200, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirmed = forms.BooleanField(widget=forms.HiddenInput, required=False, initial=True)


class NameChoiceField(ModelChoiceField):
    """A ``ModelChoiceField`` of regions or organizations whose options are their names read as columns
    (:class:`NameOptions`)."""

    iterator = NameOptions
