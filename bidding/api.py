"""揭榜 over the REST API (DECISIONS §18): bid sets and tasks read through the pages' selectors (another region's
bid set or task is 404; an implementer sees the tasks naming its organisation). Every write goes through the page's
form (the kernel text validator, Chinese messages at the field) and the service the page calls (rules, the bidding
window with its extensions, the ≥ min_bids rule at submission, the plan editable only before it is confirmed):
揭榜 claims and their bid set (open, claim, change, cancel, sign, submit, withdraw), a task's milestones and
quantified targets, progress reports, coordination requests and the reviewers' answers. A change or deletion carries
the revision it was read at (``revision`` in the body or ``If-Match``: 409 / 412 when someone saved since)."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.enums import ListState
from catalog.models import ListEntry
from reform_portal.api import etag, form_data, if_match_revision, revision_from, roles
from reform_portal.enums import OrgKind, Role
from reform_portal.models import ReformCycle
from reform_portal.services import check_rule

from . import rules, selectors, services
from .forms import AnswerForm, BidForm, CoordinationForm, MilestoneForm, ReportForm, TargetForm
from .models import Bid, BidSet, CoordinationRequest, Milestone, ProgressReport, Target, Task

TASK_READERS = roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER, Role.IMPLEMENTER)


class BidSerializer(serializers.ModelSerializer):
    entry = serializers.CharField(source="entry.number", read_only=True)
    entry_id = serializers.IntegerField(read_only=True)
    entry_title = serializers.CharField(source="entry.title", read_only=True)

    class Meta:
        model = Bid
        fields = [
            "id",
            "entry",
            "entry_id",
            "entry_title",
            "revision",
            "approach",
            "entity_kinds",
            "entity_names",
            "contact_name",
            "contact_phone",
        ]


class BidSetSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    bids = BidSerializer(many=True, read_only=True)

    class Meta:
        model = BidSet
        fields = ["id", "year", "region", "region_name", "state", "version", "submitted_at", "bids"]


class BidSetDetailSerializer(BidSetSerializer):
    problems = serializers.SerializerMethodField(help_text="报送前须解决的问题")
    drc_signed = serializers.SerializerMethodField()
    scitech_signed = serializers.SerializerMethodField()

    class Meta(BidSetSerializer.Meta):
        fields = [*BidSetSerializer.Meta.fields, "drc_signed", "scitech_signed", "problems"]

    def get_problems(self, obj) -> list[str]:
        return [str(p) for p in services.bid_set_problems(obj)]

    def get_drc_signed(self, obj) -> bool:
        return obj.drc_signed_at is not None

    def get_scitech_signed(self, obj) -> bool:
        return obj.scitech_signed_at is not None


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = [
            "id",
            "revision",
            "title",
            "due_date",
            "deliverable",
            "responsible_name",
            "responsible_post",
            "responsible_phone",
            "status",
        ]


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["id", "revision", "indicator", "unit", "baseline", "target", "latest_actual"]


class TaskSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    entry = serializers.CharField(source="entry.number", read_only=True)
    title = serializers.CharField(source="entry.title", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "year", "region", "region_name", "entry", "title", "state", "state_label"]


class ReportSerializer(serializers.ModelSerializer):
    actuals = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "period_end", "narrative", "submitted_at", "actuals"]

    def get_actuals(self, obj) -> dict[str, str]:
        return {str(a.target_id): str(a.value) for a in obj.actuals.all()}


class TaskDetailSerializer(TaskSerializer):
    entities = serializers.SerializerMethodField()
    milestones = MilestoneSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    reports = ReportSerializer(many=True, read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "plan_confirmed_at",
            "entities",
            "milestones",
            "targets",
            "reports",
        ]

    def get_entities(self, obj) -> list[str]:
        return [o.name for o in obj.entities.all()]


class MilestoneStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True)


class ReportWriteSerializer(serializers.Serializer):
    period_end = serializers.DateField()
    narrative = serializers.CharField()
    actuals = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2), help_text="{指标ID: 实际值}"
    )
    statuses = serializers.DictField(child=MilestoneStatusSerializer(), help_text="{节点ID: {status, note}}")


def _task(user, pk) -> Task:
    task = selectors.task_detail(user, pk)
    if task is None:
        raise Http404
    return task


@extend_schema(tags=["揭榜"])
class BidSets(APIView):
    permission_classes = [roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)]

    @extend_schema(
        summary="揭榜申报（本地区的；国家审核人员：已报送的）",
        parameters=[OpenApiParameter("year", int, description="年度")],
        responses=BidSetSerializer(many=True),
    )
    def get(self, request):
        sets = selectors.bid_sets_visible_to(request.user).select_related("cycle", "region")
        year = request.query_params.get("year", "")
        if year:
            sets = sets.filter(cycle__year=int(year)) if year.isascii() and year.isdigit() else sets.none()
        sets = sets.prefetch_related("bids__entry").order_by("-cycle__year", "region__code")
        return Response(BidSetSerializer(sets, many=True).data)

    @extend_schema(
        summary="打开本地区某年度的揭榜申报（首次打开时创建，须在揭榜时间内）",
        request=inline_serializer("BidSetOpen", {"year": serializers.IntegerField()}),
        responses={200: BidSetDetailSerializer, 201: BidSetDetailSerializer},
    )
    def post(self, request):
        return _open_bid_set(request)


@extend_schema(tags=["揭榜"])
class Tasks(APIView):
    permission_classes = [TASK_READERS]

    @extend_schema(summary="可见的揭榜任务", responses=TaskSerializer(many=True))
    def get(self, request):
        return Response(TaskSerializer(selectors.task_list(request.user), many=True).data)


@extend_schema(tags=["揭榜"])
class TaskDetail(APIView):
    permission_classes = [TASK_READERS]

    @extend_schema(summary="一项揭榜任务：节点、指标、进展报告", responses=TaskDetailSerializer)
    def get(self, request, pk: int):
        return Response(TaskDetailSerializer(_task(request.user, pk)).data)


def _report_form_data(data: Any) -> dict[str, Any]:
    """The JSON body as the page's ReportForm fields: ``actual_<target>``, ``status_<milestone>``, ``note_<…>``."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("请求体须为 JSON 对象。")]})
    fields: dict[str, Any] = {k: data[k] for k in ("period_end", "narrative") if k in data}
    actuals = data.get("actuals") or {}
    statuses = data.get("statuses") or {}
    if not isinstance(actuals, dict) or not isinstance(statuses, dict):
        raise serializers.ValidationError({"non_field_errors": [_("actuals、statuses 须为对象。")]})
    for target, value in actuals.items():
        fields[f"actual_{target}"] = value
    for milestone, row in statuses.items():
        row = row if isinstance(row, dict) else {}
        fields[f"status_{milestone}"] = row.get("status", "")
        fields[f"note_{milestone}"] = row.get("note", "")
    return fields


@extend_schema(tags=["揭榜"])
class TaskReports(APIView):
    permission_classes = [TASK_READERS]

    @extend_schema(summary="任务的进展报告", responses=ReportSerializer(many=True))
    def get(self, request, pk: int):
        return Response(ReportSerializer(_task(request.user, pk).reports.all(), many=True).data)

    @extend_schema(summary="报送进展报告", request=ReportWriteSerializer, responses={201: ReportSerializer})
    def post(self, request, pk: int):
        task = _task(request.user, pk)
        check_rule(rules.can_report(request.user, task))
        form = ReportForm(_report_form_data(request.data), task=task)
        cleaned = form_data(form)
        report = services.report_file(
            task=task,
            period_end=cleaned["period_end"],
            narrative=cleaned["narrative"],
            actuals=form.actuals(),
            statuses=form.statuses(),
            by=request.user,
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class CoordinationSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id", read_only=True)

    class Meta:
        model = CoordinationRequest
        fields = ["id", "task", "revision", "subject", "detail", "raised_at", "answer", "answered_at"]


# ---- writes: helpers ---------------------------------------------------------------------------------


def _body(request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("请求体须为 JSON 对象。")]})
    return {k: v for k, v in request.data.items() if k != "revision"}


def _required_revision(request, current: int, what: str) -> int:
    """The revision the caller read (``If-Match``: 412 when not current; else the body's ``revision``, which the
    service checks: 409 when stale); a change without either is refused."""
    revision = revision_from(request, current, what)
    if revision is None:
        raise serializers.ValidationError(
            {"revision": [_("请提供读取时的修订号（revision），或 If-Match 请求头。")]}
        )
    return revision


def _with_etag(data: Any, revision: int, code: int = status.HTTP_200_OK) -> Response:
    response = Response(data, status=code)
    response["ETag"] = etag(revision)
    return response


def _merged(current: dict[str, Any], body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """PATCH keeps what it does not name; PUT sends every field (a missing one is the form's 请填写)."""
    return {**current, **body} if partial else body


def _bid_set(user, pk) -> BidSet:
    bid_set = (
        selectors.bid_sets_visible_to(user)
        .select_related("cycle", "region")
        .prefetch_related("bids__entry")
        .filter(pk=pk)
        .first()
    )
    if bid_set is None:
        raise Http404
    return bid_set


def _bid(user, pk) -> Bid:
    bid = (
        Bid.objects.filter(bid_set__in=selectors.bid_sets_visible_to(user))
        .select_related("bid_set__cycle", "bid_set__region", "entry")
        .filter(pk=pk)
        .first()
    )
    if bid is None:
        raise Http404
    return bid


def _of_visible_task(model, user, pk):
    obj = (
        model.objects.filter(task__in=selectors.tasks_visible_to(user), pk=pk).select_related("task").first()
    )
    if obj is None:
        raise Http404
    return obj


# ---- 揭榜: the region's bid set and its claims -------------------------------------------------------------


class BidWriteSerializer(serializers.Serializer):
    """What a claim sends (the schema's request body); the page's BidForm validates it."""

    entry = serializers.IntegerField(help_text="清单条目ID（新增时）")
    approach = serializers.CharField()
    entity_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[(str(k.value), k.label) for k in OrgKind.implementing()])
    )
    entity_names = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    revision = serializers.IntegerField(required=False, help_text="读取时的修订号（或 If-Match 请求头）")


def _bid_set_detail(user, pk: int, code: int = status.HTTP_200_OK) -> Response:
    bid_set = _bid_set(user, pk)
    return _with_etag(BidSetDetailSerializer(bid_set).data, bid_set.version, code)


def _bid_fields(body: dict[str, Any], instance: Bid | None = None) -> dict[str, Any]:
    cleaned = form_data(BidForm({k: v for k, v in body.items() if k != "entry"}, instance=instance))
    return {k: cleaned[k] for k in services.BID_FIELDS}


def _bid_current(bid: Bid) -> dict[str, Any]:
    return {name: getattr(bid, name) for name in services.BID_FIELDS}


def _open_bid_set(request) -> Response:
    user = request.user
    region = user.region
    if not user.has_role(Role.REGIONAL_STAFF) or region is None:
        return Response({"detail": _("只有地区填报人员可以揭榜。")}, status=status.HTTP_403_FORBIDDEN)
    year = request.data.get("year") if isinstance(request.data, dict) else None
    cycle = (
        ReformCycle.objects.filter(year=year, measure_lists__state=ListState.PUBLISHED).first()
        if isinstance(year, int)
        else None
    )
    if cycle is None:
        raise serializers.ValidationError({"year": [_("该年度尚未公布举措清单。")]})
    bid_set = BidSet.objects.filter(cycle=cycle, region=region).first()
    created = bid_set is None
    if created:
        if not rules.may_start_bids(cycle, region):
            raise serializers.ValidationError(
                {"year": [_("%(y)s年度不在揭榜时间内，本地区未建立揭榜申报。") % {"y": cycle.year}]}
            )
        bid_set = services.bid_set_get_or_create(cycle=cycle, region=region, by=user)
    return _bid_set_detail(user, bid_set.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["揭榜"])
class BidSetDetail(APIView):
    permission_classes = [roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)]

    @extend_schema(summary="一份揭榜申报及其揭榜事项（ETag 为版本号）", responses=BidSetDetailSerializer)
    def get(self, request, pk: int):
        return _bid_set_detail(request.user, pk)


@extend_schema(tags=["揭榜"])
class BidSetBids(APIView):
    permission_classes = [roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)]

    @extend_schema(summary="揭榜申报中的揭榜事项", responses=BidSerializer(many=True))
    def get(self, request, pk: int):
        return Response(BidSerializer(_bid_set(request.user, pk).bids.all(), many=True).data)

    @extend_schema(
        summary="揭榜（认领本年度最新公布清单中的一个条目，须在揭榜时间内）",
        request=BidWriteSerializer,
        responses={201: BidSerializer},
    )
    def post(self, request, pk: int):
        bid_set = _bid_set(request.user, pk)
        check_rule(rules.can_edit_bids(request.user, bid_set))
        body = _body(request)
        entry_id = body.get("entry")
        entry = (
            ListEntry.objects.filter(pk=entry_id, measure_list__state=ListState.PUBLISHED).first()
            if isinstance(entry_id, int)
            else None
        )
        if entry is None:
            raise serializers.ValidationError({"entry": [_("请填写本年度最新公布清单中的条目ID。")]})
        if bid_set.bids.filter(entry=entry).exists():
            raise serializers.ValidationError(
                {"entry": [_("本地区已揭榜该条目，如需修改请修改该揭榜事项。")]}
            )
        bid = services.bid_save(bid_set=bid_set, entry=entry, fields=_bid_fields(body), by=request.user)
        return _with_etag(BidSerializer(bid).data, bid.revision, status.HTTP_201_CREATED)


@extend_schema(tags=["揭榜"])
class BidDetail(APIView):
    permission_classes = [roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)]

    @extend_schema(summary="一个揭榜事项（ETag 为修订号）", responses=BidSerializer)
    def get(self, request, pk: int):
        bid = _bid(request.user, pk)
        return _with_etag(BidSerializer(bid).data, bid.revision)

    def _update(self, request, pk: int, *, partial: bool) -> Response:
        bid = _bid(request.user, pk)
        check_rule(rules.can_edit_bids(request.user, bid.bid_set))
        revision = _required_revision(request, bid.revision, _("揭榜事项"))
        fields = _bid_fields(_merged(_bid_current(bid), _body(request), partial=partial), bid)
        saved = services.bid_save(
            bid_set=bid.bid_set, entry=bid.entry, fields=fields, by=request.user, revision=revision
        )
        return _with_etag(BidSerializer(saved).data, saved.revision)

    @extend_schema(summary="修改揭榜事项（全部字段）", request=BidWriteSerializer, responses=BidSerializer)
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(summary="修改揭榜事项（部分字段）", request=BidWriteSerializer, responses=BidSerializer)
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    @extend_schema(
        summary="取消揭榜（须在揭榜时间内；可带 If-Match 或 revision）", request=None, responses={204: None}
    )
    def delete(self, request, pk: int):
        bid = _bid(request.user, pk)
        check_rule(rules.can_edit_bids(request.user, bid.bid_set))
        revision = revision_from(request, bid.revision, _("揭榜事项"))
        services.bid_delete(bid=bid, by=request.user, revision=revision)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["揭榜"])
class BidSetSign(APIView):
    """确认联合报送 for the caller's department, on the version the caller read."""

    permission_classes = [roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)]

    @extend_schema(
        summary="确认联合报送（本部门）",
        request=inline_serializer(
            "BidSetSign", {"version": serializers.IntegerField(help_text="读取时的版本号")}
        ),
        responses=BidSetDetailSerializer,
    )
    def post(self, request, pk: int):
        bid_set = _bid_set(request.user, pk)
        version = if_match_revision(request, bid_set.version, _("揭榜申报"))
        if version is None:
            raw = request.data.get("version") if isinstance(request.data, dict) else None
            if raw is not None and not isinstance(raw, int):
                raise serializers.ValidationError({"version": [_("版本号须为整数。")]})
            version = raw
        services.bid_set_sign(bid_set=bid_set, by=request.user, version=version)
        return _bid_set_detail(request.user, pk)


@extend_schema(tags=["揭榜"])
class BidSetSubmit(APIView):
    permission_classes = [roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)]

    @extend_schema(
        summary="报送揭榜申报（不少于年度最低揭榜数，两部门均已确认本版本，须在揭榜截止前）",
        request=None,
        responses=BidSetDetailSerializer,
    )
    def post(self, request, pk: int):
        services.bid_set_submit(bid_set=_bid_set(request.user, pk), by=request.user)
        return _bid_set_detail(request.user, pk)


@extend_schema(tags=["揭榜"])
class BidSetWithdraw(APIView):
    permission_classes = [roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)]

    @extend_schema(
        summary="撤回揭榜申报（揭榜截止前、国家审核人员确认揭榜前）",
        request=None,
        responses=BidSetDetailSerializer,
    )
    def post(self, request, pk: int):
        services.bid_set_withdraw(bid_set=_bid_set(request.user, pk), by=request.user)
        return _bid_set_detail(request.user, pk)


# ---- 实施方案: milestones and quantified targets -----------------------------------------------------------


class MilestoneWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    due_date = serializers.DateField()
    deliverable = serializers.CharField(max_length=200)
    responsible_name = serializers.CharField(max_length=30)
    responsible_post = serializers.CharField(max_length=50)
    responsible_phone = serializers.CharField(max_length=30)
    responsible_email = serializers.EmailField(required=False, allow_blank=True)
    revision = serializers.IntegerField(required=False, help_text="读取时的修订号（或 If-Match 请求头）")


class TargetWriteSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=100)
    unit = serializers.CharField(max_length=20)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    revision = serializers.IntegerField(required=False, help_text="读取时的修订号（或 If-Match 请求头）")


class _PlanPart:
    """A task's milestones or targets: the page's form, the services, the serializer."""

    def __init__(self, model, form, serializer, fields, add, update, delete, what):
        self.model, self.form, self.serializer, self.fields = model, form, serializer, fields
        self.add, self.update, self.delete, self.what = add, update, delete, what

    def cleaned(self, data: dict[str, Any], instance=None) -> dict[str, Any]:
        cleaned = form_data(self.form(data, instance=instance))
        return {k: cleaned[k] for k in self.fields}

    def current(self, obj) -> dict[str, Any]:
        return {k: getattr(obj, k) for k in self.fields}


MILESTONES = _PlanPart(
    Milestone,
    MilestoneForm,
    MilestoneSerializer,
    services.MILESTONE_FIELDS,
    lambda task, fields, by: services.milestone_add(task=task, fields=fields, by=by),
    lambda obj, fields, by, revision: services.milestone_update(
        milestone=obj, fields=fields, by=by, revision=revision
    ),
    lambda obj, by, revision: services.milestone_delete(milestone=obj, by=by, revision=revision),
    _("里程碑"),
)
TARGETS = _PlanPart(
    Target,
    TargetForm,
    TargetSerializer,
    services.TARGET_FIELDS,
    lambda task, fields, by: services.target_add(task=task, fields=fields, by=by),
    lambda obj, fields, by, revision: services.target_update(
        target=obj, fields=fields, by=by, revision=revision
    ),
    lambda obj, by, revision: services.target_delete(target=obj, by=by, revision=revision),
    _("量化目标"),
)


class _TaskPlanList(APIView):
    permission_classes = [TASK_READERS]
    part: _PlanPart

    def get(self, request, pk: int):
        task = _task(request.user, pk)
        return Response(self.part.serializer(self.part.model.objects.filter(task=task), many=True).data)

    def post(self, request, pk: int):
        task = _task(request.user, pk)
        check_rule(rules.can_edit_plan(request.user, task))
        created = self.part.add(task, self.part.cleaned(_body(request)), request.user)
        return _with_etag(self.part.serializer(created).data, created.revision, status.HTTP_201_CREATED)


class _PlanItem(APIView):
    permission_classes = [TASK_READERS]
    part: _PlanPart

    def get(self, request, pk: int):
        obj = _of_visible_task(self.part.model, request.user, pk)
        return _with_etag(self.part.serializer(obj).data, obj.revision)

    def _update(self, request, pk: int, *, partial: bool) -> Response:
        obj = _of_visible_task(self.part.model, request.user, pk)
        check_rule(rules.can_edit_plan(request.user, obj.task))
        revision = _required_revision(request, obj.revision, self.part.what)
        data = _merged(self.part.current(obj), _body(request), partial=partial)
        saved = self.part.update(obj, self.part.cleaned(data), request.user, revision)
        return _with_etag(self.part.serializer(saved).data, saved.revision)

    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    def delete(self, request, pk: int):
        obj = _of_visible_task(self.part.model, request.user, pk)
        check_rule(rules.can_edit_plan(request.user, obj.task))
        revision = revision_from(request, obj.revision, self.part.what)
        self.part.delete(obj, request.user, revision)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(summary="任务的里程碑", responses=MilestoneSerializer(many=True)),
    post=extend_schema(
        summary="新增里程碑（实施方案确认前）",
        request=MilestoneWriteSerializer,
        responses={201: MilestoneSerializer},
    ),
)
@extend_schema(tags=["揭榜"])
class TaskMilestones(_TaskPlanList):
    part = MILESTONES


@extend_schema_view(
    get=extend_schema(summary="一个里程碑（ETag 为修订号）", responses=MilestoneSerializer),
    put=extend_schema(
        summary="修改里程碑（全部字段）", request=MilestoneWriteSerializer, responses=MilestoneSerializer
    ),
    patch=extend_schema(
        summary="修改里程碑（部分字段）", request=MilestoneWriteSerializer, responses=MilestoneSerializer
    ),
    delete=extend_schema(summary="删除里程碑（实施方案确认前）", request=None, responses={204: None}),
)
@extend_schema(tags=["揭榜"])
class MilestoneDetail(_PlanItem):
    part = MILESTONES


@extend_schema_view(
    get=extend_schema(summary="任务的量化目标", responses=TargetSerializer(many=True)),
    post=extend_schema(
        summary="新增量化目标（实施方案确认前）",
        request=TargetWriteSerializer,
        responses={201: TargetSerializer},
    ),
)
@extend_schema(tags=["揭榜"])
class TaskTargets(_TaskPlanList):
    part = TARGETS


@extend_schema_view(
    get=extend_schema(summary="一个量化目标（ETag 为修订号）", responses=TargetSerializer),
    put=extend_schema(
        summary="修改量化目标（全部字段）", request=TargetWriteSerializer, responses=TargetSerializer
    ),
    patch=extend_schema(
        summary="修改量化目标（部分字段）", request=TargetWriteSerializer, responses=TargetSerializer
    ),
    delete=extend_schema(summary="删除量化目标（实施方案确认前）", request=None, responses={204: None}),
)
@extend_schema(tags=["揭榜"])
class TargetDetail(_PlanItem):
    part = TARGETS


@extend_schema(tags=["揭榜"])
class TaskPlanConfirm(APIView):
    permission_classes = [TASK_READERS]

    @extend_schema(
        summary="确认实施方案（至少一个里程碑和一个量化目标；确认后任务进入实施，方案不能再修改）",
        request=None,
        responses=TaskDetailSerializer,
    )
    def post(self, request, pk: int):
        services.plan_confirm(task=_task(request.user, pk), by=request.user)
        return Response(TaskDetailSerializer(_task(request.user, pk)).data)


# ---- 协调解决 ---------------------------------------------------------------------------------------------


@extend_schema(tags=["揭榜"])
class TaskCoordination(APIView):
    permission_classes = [TASK_READERS]

    @extend_schema(summary="任务的协调事项", responses=CoordinationSerializer(many=True))
    def get(self, request, pk: int):
        task = _task(request.user, pk)
        return Response(CoordinationSerializer(task.coordination_requests.all(), many=True).data)

    @extend_schema(
        summary="提出协调事项（本地区填报人员或该任务的实施主体）",
        request=inline_serializer(
            "CoordinationRaise",
            {
                "subject": serializers.CharField(max_length=100),
                "detail": serializers.CharField(max_length=3000),
            },
        ),
        responses={201: CoordinationSerializer},
    )
    def post(self, request, pk: int):
        task = _task(request.user, pk)
        check_rule(rules.can_raise_coordination(request.user, task))
        cleaned = form_data(CoordinationForm(_body(request)))
        req = services.coordination_raise(task=task, by=request.user, **cleaned)
        return _with_etag(CoordinationSerializer(req).data, req.revision, status.HTTP_201_CREATED)


@extend_schema(tags=["揭榜"])
class CoordinationAnswer(APIView):
    permission_classes = [roles(Role.NATIONAL_REVIEWER)]

    @extend_schema(
        summary="答复协调事项（国家审核人员；再次答复替换前一答复）",
        request=inline_serializer(
            "CoordinationAnswer",
            {
                "answer": serializers.CharField(max_length=3000),
                "revision": serializers.IntegerField(help_text="读取时的修订号（或 If-Match 请求头）"),
            },
        ),
        responses=CoordinationSerializer,
    )
    def post(self, request, pk: int):
        req = _of_visible_task(CoordinationRequest, request.user, pk)
        revision = _required_revision(request, req.revision, _("协调事项"))
        cleaned = form_data(AnswerForm(_body(request)))
        saved = services.coordination_answer(
            request=req, answer=cleaned["answer"], by=request.user, revision=revision
        )
        return _with_etag(CoordinationSerializer(saved).data, saved.revision)
