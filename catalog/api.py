"""The 举措清单 over the REST API (DECISIONS §18): every published version of every year and its entries, public
like the page (``catalog:public_list``); drafts do not exist here (404)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from . import selectors
from .models import ListEntry, MeasureList


class EntrySerializer(serializers.ModelSerializer):
    area_label = serializers.CharField(source="get_area_display", read_only=True)
    authority_level_label = serializers.CharField(source="get_authority_level_display", read_only=True)

    class Meta:
        model = ListEntry
        fields = [
            "number",
            "position",
            "title",
            "area",
            "area_label",
            "description",
            "goals",
            "authority_level",
            "authority_level_label",
            "coordination_departments",
            "source_regions",
        ]


class ListSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="cycle.year", read_only=True)

    class Meta:
        model = MeasureList
        fields = ["id", "year", "version", "title", "published_at"]


class ListDetailSerializer(ListSerializer):
    entries = EntrySerializer(many=True, read_only=True, source="entry_rows")

    class Meta(ListSerializer.Meta):
        fields = [*ListSerializer.Meta.fields, "entries"]


@extend_schema(tags=["公开：举措清单"], summary="已公布的举措清单（每个年度的每个版本）")
class Lists(generics.ListAPIView):
    """Newest year first, then newest version; ``?year=`` narrows to one year."""

    permission_classes = [AllowAny]
    serializer_class = ListSerializer

    def get_queryset(self):
        lists = selectors.published_lists().order_by("-cycle__year", "-version")
        year = self.request.query_params.get("year", "")
        if year:
            if not (year.isascii() and year.isdigit() and len(year) == 4):
                return lists.none()
            lists = lists.filter(cycle__year=int(year))
        return lists


@extend_schema(tags=["公开：举措清单"], summary="一个已公布版本及其全部条目")
class ListDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ListDetailSerializer

    def get_object(self):
        measure_list = selectors.published_lists().filter(pk=self.kwargs["pk"]).first()
        if measure_list is None:
            raise Http404
        measure_list.entry_rows = selectors.entries_of(measure_list)
        return measure_list
