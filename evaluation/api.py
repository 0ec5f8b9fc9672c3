"""The outcomes library and the yearly results over the REST API (DECISIONS §18): public like their pages
(``evaluation:library``, ``evaluation:public_results``); a draft outcome, or a year whose results are not
published (the reviewers have not pressed 公布评估结果 for it, issue 17 §10), answers 404."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from reform_portal.api import form_data
from reform_portal.models import ReformCycle

from . import selectors
from .enums import OutcomeState
from .forms import LibrarySearchForm
from .models import Outcome


class OutcomeSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    area_label = serializers.CharField(source="get_area_display", read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "year",
            "region",
            "region_name",
            "area",
            "area_label",
            "title",
            "summary",
            "problem_solved",
            "how_to_replicate",
            "applicable_scope",
            "published_at",
        ]


@extend_schema(
    tags=["公开：改革成果"],
    summary="已发布的可复制推广改革成果",
    parameters=[
        OpenApiParameter("q", str, description="关键词"),
        OpenApiParameter("area", str, description="改革任务领域"),
        OpenApiParameter("region", str, description="地区代码，如 330000"),
        OpenApiParameter("year", int, description="年度"),
    ],
)
class Outcomes(generics.ListAPIView):
    """The library's filters, validated by the library's form (a wrong value is 400 at its field)."""

    permission_classes = [AllowAny]
    serializer_class = OutcomeSerializer

    def get_queryset(self):
        params = {k: self.request.query_params.get(k, "") for k in ("q", "area", "region", "year")}
        data = form_data(LibrarySearchForm({k: v for k, v in params.items() if v}))
        return selectors.published_outcomes(**{k: (v if v is not None else "") for k, v in data.items()})


@extend_schema(tags=["公开：改革成果"], summary="一项已发布的改革成果")
class OutcomeDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = OutcomeSerializer

    def get_queryset(self):
        return Outcome.objects.filter(state=OutcomeState.PUBLISHED).select_related("region", "cycle")


class ResultRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    tasks = serializers.IntegerField(help_text="揭榜任务数")
    completed = serializers.IntegerField(help_text="完成任务数（评估合格及以上）")
    evaluated = serializers.IntegerField(help_text="已评估任务数")
    average_grade = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text="平均评估等次（优秀=4，良好=3，合格=2，不合格=1）",
    )
    outcomes = serializers.IntegerField(help_text="已推广改革成果数")


class ResultsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rows = ResultRowSerializer(many=True)


@extend_schema(tags=["公开：评估结果"], summary="一个年度的评估结果（公布后）", responses=ResultsSerializer)
class Results(APIView):
    """The public results page's ranking (without the per-grade breakdown)."""

    permission_classes = [AllowAny]

    def get(self, request, year: int):
        cycle = ReformCycle.objects.filter(year=year).first()
        if cycle is None or not selectors.results_published(cycle):
            raise Http404
        return Response(ResultsSerializer({"year": cycle.year, "rows": selectors.ranking(cycle)}).data)
