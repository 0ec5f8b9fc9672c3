"""揭榜 over the REST API (DECISIONS §18): bid sets and tasks read through the pages' selectors (another region's
task is 404; an implementer sees the tasks naming its organisation), progress reports filed through the page's
form (the kernel text validator) and ``services.report_file`` (rules, state, dates)."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from reform_portal.api import form_data, roles
from reform_portal.enums import Role
from reform_portal.services import check_rule

from . import rules, selectors, services
from .forms import ReportForm
from .models import Bid, BidSet, Milestone, ProgressReport, Target, Task

TASK_READERS = roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER, Role.IMPLEMENTER)


class BidSerializer(serializers.ModelSerializer):
    entry = serializers.CharField(source="entry.number", read_only=True)
    entry_title = serializers.CharField(source="entry.title", read_only=True)

    class Meta:
        model = Bid
        fields = ["id", "entry", "entry_title", "approach", "entity_names", "contact_name", "contact_phone"]


class BidSetSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    bids = BidSerializer(many=True, read_only=True)

    class Meta:
        model = BidSet
        fields = ["id", "year", "region", "region_name", "state", "version", "submitted_at", "bids"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_date", "deliverable", "responsible_name", "responsible_post", "status"]


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["id", "indicator", "unit", "baseline", "target", "latest_actual"]


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
