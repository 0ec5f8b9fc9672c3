"""建议书 over the REST API (DECISIONS §18): a region's books and proposals, read and written through the same
selectors (another region's book is 404), forms (the kernel text validator), rules, deadlines and services as the
pages; 确认联合报送 needs both departments' users, each signing for their own department; a proposal's edit carries
the revision it was read at (``revision`` or ``If-Match``: 409 / 412 when someone saved since)."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from reform_portal.api import etag, form_data, if_match_revision, revision_from, roles
from reform_portal.enums import Role, Stage
from reform_portal.models import ReformCycle
from reform_portal.services import check_rule, deadline_for, is_before_deadline

from . import selectors, services
from .forms import COVER_FIELDS, BookCoverForm, ProposalForm, ResultForm
from .models import MeasureProposal, ProposalBook
from .rules import can_edit
from .services import PROPOSAL_FIELDS

REGION_OR_REVIEWER = roles(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)
MAX_RESULTS = 10


class ResultSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=100)
    unit = serializers.CharField(max_length=20)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)


class EntitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProposalSerializer(serializers.ModelSerializer):
    book = serializers.IntegerField(source="book_id", read_only=True)
    area_label = serializers.CharField(source="get_area_display", read_only=True)
    entities = EntitySerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    missing = serializers.SerializerMethodField(help_text="报送前尚缺的必填项")

    class Meta:
        model = MeasureProposal
        fields = ["id", "book", "position", "revision", "area_label", *PROPOSAL_FIELDS, "entities", "results"]
        fields.append("missing")

    def get_missing(self, obj) -> list[str]:
        return [str(m) for m in services.proposal_missing(obj)]


class ProposalWriteSerializer(serializers.Serializer):
    """What a write sends (the schema's request body); the page's form validates it."""

    title = serializers.CharField(max_length=60)
    area = serializers.CharField(required=False, allow_blank=True)
    keywords = serializers.CharField(required=False, allow_blank=True)
    pain_points = serializers.CharField(required=False, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True)
    steps = serializers.CharField(required=False, allow_blank=True)
    new_entities = serializers.CharField(required=False, allow_blank=True)
    authority_level = serializers.CharField(required=False, allow_blank=True)
    coordination_departments = serializers.CharField(required=False, allow_blank=True)
    consulted_bases = serializers.CharField(required=False, allow_blank=True)
    consulted_enterprises = serializers.CharField(required=False, allow_blank=True)
    consulted_universities = serializers.CharField(required=False, allow_blank=True)
    consulted_institutes = serializers.CharField(required=False, allow_blank=True)
    consulted_departments = serializers.CharField(required=False, allow_blank=True)
    entities = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="单位库中的实施主体"
    )
    results = ResultSerializer(many=True, required=False)
    revision = serializers.IntegerField(required=False, help_text="读取时的修订号（或 If-Match 请求头）")


class BookSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    state_label = serializers.CharField(source="display_state", read_only=True)
    drc_signed = serializers.SerializerMethodField()
    scitech_signed = serializers.SerializerMethodField()

    class Meta:
        model = ProposalBook
        fields = [
            "id",
            "year",
            "region",
            "region_name",
            "state",
            "state_label",
            "version",
            "contact_name",
            "contact_phone",
            "summary",
            "drc_signed",
            "scitech_signed",
            "submitted_at",
        ]

    def get_drc_signed(self, obj) -> bool:
        return obj.drc_signed_at is not None

    def get_scitech_signed(self, obj) -> bool:
        return obj.scitech_signed_at is not None


class BookDetailSerializer(BookSerializer):
    proposals = ProposalSerializer(many=True, read_only=True)
    deadline = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField(help_text="报送前须解决的问题")

    class Meta(BookSerializer.Meta):
        fields = [*BookSerializer.Meta.fields, "deadline", "problems", "proposals"]

    def get_deadline(self, obj) -> str:
        return deadline_for(obj.cycle, obj.region, Stage.PROPOSAL).isoformat()

    def get_problems(self, obj) -> list[str]:
        return [str(p) for p in services.submission_problems(obj)]


def _book(user, pk) -> ProposalBook:
    book = selectors.book_detail(user, pk)
    if book is None:
        raise Http404
    return book


def _proposal(user, pk) -> MeasureProposal:
    proposal = selectors.proposal_for(user, pk)
    if proposal is None:
        raise Http404
    return proposal


def _detail(user, pk) -> Response:
    book = _book(user, pk)
    response = Response(BookDetailSerializer(book).data)
    response["ETag"] = etag(book.version)
    return response


def _proposal_input(data: Any, book: ProposalBook, instance: MeasureProposal | None = None) -> dict[str, Any]:
    """The page's ProposalForm and ResultForm validate the body: the same fields, characters and messages."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("请求体须为 JSON 对象。")]})
    body = {k: v for k, v in data.items() if k != "revision"}
    form = ProposalForm(body, instance=instance, region=book.region)
    cleaned = form_data(form)
    rows = data.get("results", [])
    if not isinstance(rows, list) or len(rows) > MAX_RESULTS:
        raise serializers.ValidationError({"results": [_("预期成效最多%(n)s项。") % {"n": MAX_RESULTS}]})
    results = []
    errors = {}
    for i, row in enumerate(rows):
        result_form = ResultForm(row if isinstance(row, dict) else {})
        if not result_form.is_valid() or not result_form.cleaned_data.get("indicator"):
            errors[f"results[{i}]"] = [
                e["message"] for errs in result_form.errors.get_json_data().values() for e in errs
            ] or [_("预期成效须同时填写指标、单位和目标值。")]
        else:
            results.append(result_form.cleaned_data)
    if errors:
        raise serializers.ValidationError(errors)
    return {
        "fields": {k: v for k, v in cleaned.items() if k not in ("entities", "revision")},
        "entities": list(cleaned["entities"]),
        "results": results,
    }


def _current_values(proposal: MeasureProposal) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(proposal, name) for name in PROPOSAL_FIELDS}
    values["entities"] = [o.pk for o in proposal.entities.all()]
    values["results"] = [
        {"indicator": r.indicator, "unit": r.unit, "target": str(r.target)} for r in proposal.results.all()
    ]
    return values


@extend_schema(tags=["建议书"])
class Books(APIView):
    permission_classes = [REGION_OR_REVIEWER]

    @extend_schema(
        summary="可见的建议书（本地区的；国家审核人员：已报送的）",
        parameters=[OpenApiParameter("year", int, description="年度")],
        responses=BookSerializer(many=True),
    )
    def get(self, request):
        books = selectors.books_visible_to(request.user).select_related("cycle", "region")
        year = request.query_params.get("year", "")
        if year:
            books = books.filter(cycle__year=int(year)) if year.isascii() and year.isdigit() else books.none()
        return Response(BookSerializer(books.order_by("-cycle__year", "region__code"), many=True).data)

    @extend_schema(
        summary="打开本地区某年度的建议书（首次打开时创建，须在报送截止前）",
        request=inline_serializer("BookOpen", {"year": serializers.IntegerField()}),
        responses={200: BookDetailSerializer, 201: BookDetailSerializer},
    )
    def post(self, request):
        user = request.user
        region = user.region
        if not user.has_role(Role.REGIONAL_STAFF) or region is None:
            return Response(
                {"detail": _("只有地区填报人员可以打开本地区的建议书。")}, status=status.HTTP_403_FORBIDDEN
            )
        year = request.data.get("year") if isinstance(request.data, dict) else None
        cycle = ReformCycle.objects.filter(year=year).first() if isinstance(year, int) else None
        if cycle is None:
            raise serializers.ValidationError({"year": [_("没有该年度。")]})
        book = ProposalBook.objects.filter(cycle=cycle, region=region).first()
        created = book is None
        if created:
            if not is_before_deadline(cycle, region, Stage.PROPOSAL):
                raise serializers.ValidationError(
                    {"year": [_("%(y)s年度建议书报送已截止，本地区未建立建议书。") % {"y": cycle.year}]}
                )
            book = services.book_get_or_create(cycle=cycle, region=region, by=user)
        response = _detail(user, book.pk)
        response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return response


@extend_schema(tags=["建议书"])
class BookDetail(APIView):
    permission_classes = [REGION_OR_REVIEWER]

    @extend_schema(summary="一份建议书及其举措", responses=BookDetailSerializer)
    def get(self, request, pk: int):
        return _detail(request.user, pk)

    @extend_schema(
        summary="修改封面信息（联系人、联系电话、总体说明、发文字号、签发人）",
        request=inline_serializer(
            "BookCover",
            {
                "contact_name": serializers.CharField(),
                "contact_phone": serializers.CharField(),
                "summary": serializers.CharField(),
                "doc_number": serializers.CharField(required=False),
                "drc_signer": serializers.CharField(required=False),
                "scitech_signer": serializers.CharField(required=False),
            },
        ),
        responses=BookDetailSerializer,
    )
    def patch(self, request, pk: int):
        book = _book(request.user, pk)
        check_rule(can_edit(request.user, book))
        seen = revision_from(request, book.version, _("建议书"))
        if seen is not None and seen != book.version:
            return _stale_book(book)
        current = {k: getattr(book, k) for k in COVER_FIELDS}
        data = {**current, **{k: v for k, v in request.data.items() if k in current}}
        cleaned = form_data(BookCoverForm(data, instance=book))
        services.book_update_cover(book=book, by=request.user, **{k: cleaned[k] for k in current})
        return _detail(request.user, pk)


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise serializers.ValidationError({"version": [_("版本号须为整数。")]}) from None


def _stale_book(book: ProposalBook) -> Response:
    return Response(
        {
            "detail": _("建议书在您读取后已被修改（现为第%(v)s版），本次修改未保存。请重新读取后再提交。")
            % {"v": book.version}
        },
        status=status.HTTP_409_CONFLICT,
    )


@extend_schema(tags=["建议书"])
class BookSign(APIView):
    """确认联合报送 for the caller's department (发展改革委 or 科技厅), on the version the caller read."""

    permission_classes = [REGION_OR_REVIEWER]

    @extend_schema(
        summary="确认联合报送（本部门）",
        request=inline_serializer(
            "BookSign", {"version": serializers.IntegerField(help_text="读取时的版本号")}
        ),
        responses=BookDetailSerializer,
    )
    def post(self, request, pk: int):
        book = _book(request.user, pk)
        version = if_match_revision(request, book.version, _("建议书"))
        if version is None:
            version = _int_or_none(request.data.get("version") if isinstance(request.data, dict) else None)
        services.book_sign(book=book, by=request.user, version=version)
        return _detail(request.user, pk)


@extend_schema(tags=["建议书"])
class BookSubmit(APIView):
    permission_classes = [REGION_OR_REVIEWER]

    @extend_schema(summary="报送（两部门均已确认本版本）", request=None, responses=BookDetailSerializer)
    def post(self, request, pk: int):
        book = _book(request.user, pk)
        services.book_submit(book=book, by=request.user)
        return _detail(request.user, pk)


@extend_schema(tags=["建议书"])
class BookProposals(APIView):
    permission_classes = [REGION_OR_REVIEWER]

    @extend_schema(summary="建议书的举措", responses=ProposalSerializer(many=True))
    def get(self, request, pk: int):
        return Response(ProposalSerializer(_book(request.user, pk).proposals.all(), many=True).data)

    @extend_schema(summary="新增举措", request=ProposalWriteSerializer, responses={201: ProposalSerializer})
    def post(self, request, pk: int):
        book = _book(request.user, pk)
        check_rule(can_edit(request.user, book))
        proposal = services.proposal_create(book=book, by=request.user, **_proposal_input(request.data, book))
        response = Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag(proposal.revision)
        return response


@extend_schema(tags=["建议书"])
class ProposalDetail(APIView):
    permission_classes = [REGION_OR_REVIEWER]

    def _respond(self, proposal: MeasureProposal) -> Response:
        proposal = _proposal(self.request.user, proposal.pk)
        response = Response(ProposalSerializer(proposal).data)
        response["ETag"] = etag(proposal.revision)
        return response

    @extend_schema(summary="一项举措（ETag 为修订号）", responses=ProposalSerializer)
    def get(self, request, pk: int):
        return self._respond(_proposal(request.user, pk))

    def _update(self, request, pk: int, *, partial: bool) -> Response:
        proposal = _proposal(request.user, pk)
        check_rule(can_edit(request.user, proposal.book))
        revision = revision_from(request, proposal.revision, _("举措"))
        if revision is None:
            raise serializers.ValidationError(
                {"revision": [_("请提供读取时的修订号（revision），或 If-Match 请求头。")]}
            )
        data = request.data if isinstance(request.data, dict) else None
        if partial and data is not None:
            data = {**_current_values(proposal), **data}
        saved = services.proposal_update(
            proposal=proposal,
            revision=revision,
            by=request.user,
            **_proposal_input(data, proposal.book, proposal),
        )
        return self._respond(saved)

    @extend_schema(
        summary="修改举措（全部字段）", request=ProposalWriteSerializer, responses=ProposalSerializer
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        summary="修改举措（部分字段）", request=ProposalWriteSerializer, responses=ProposalSerializer
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    @extend_schema(summary="删除举措", request=None, responses={204: None})
    def delete(self, request, pk: int):
        services.proposal_delete(proposal=_proposal(request.user, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
