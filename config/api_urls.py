"""The REST API's URLs (DECISIONS §18), namespace ``api``: the schema and its docs, and version 1 of each
stage's endpoints (``<app>/api.py``; docs/architecture.md "The API")."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bidding import api as bidding_api
from catalog import api as catalog_api
from evaluation import api as evaluation_api
from proposals import api as proposals_api

app_name = "api"


class Docs(SpectacularSwaggerSplitView):
    """Swagger UI with its assets from drf-spectacular-sidecar and its start script as a separate file: the page
    carries no inline script or style (the portal's Content-Security-Policy)."""

    template_name = "api/swagger_ui.html"


v1 = [
    path("lists/", catalog_api.Lists.as_view(), name="lists"),
    path("lists/<int:pk>/", catalog_api.ListDetail.as_view(), name="list_detail"),
    path("outcomes/", evaluation_api.Outcomes.as_view(), name="outcomes"),
    path("outcomes/<int:pk>/", evaluation_api.OutcomeDetail.as_view(), name="outcome_detail"),
    path("results/<int:year>/", evaluation_api.Results.as_view(), name="results"),
    path("books/", proposals_api.Books.as_view(), name="books"),
    path("books/<int:pk>/", proposals_api.BookDetail.as_view(), name="book_detail"),
    path("books/<int:pk>/sign/", proposals_api.BookSign.as_view(), name="book_sign"),
    path("books/<int:pk>/submit/", proposals_api.BookSubmit.as_view(), name="book_submit"),
    path("books/<int:pk>/proposals/", proposals_api.BookProposals.as_view(), name="book_proposals"),
    path("proposals/<int:pk>/", proposals_api.ProposalDetail.as_view(), name="proposal_detail"),
    path("bid-sets/", bidding_api.BidSets.as_view(), name="bid_sets"),
    path("tasks/", bidding_api.Tasks.as_view(), name="tasks"),
    path("tasks/<int:pk>/", bidding_api.TaskDetail.as_view(), name="task_detail"),
    path("bid-sets/<int:pk>/", bidding_api.BidSetDetail.as_view(), name="bid_set_detail"),
    path("bid-sets/<int:pk>/bids/", bidding_api.BidSetBids.as_view(), name="bid_set_bids"),
    path("bid-sets/<int:pk>/sign/", bidding_api.BidSetSign.as_view(), name="bid_set_sign"),
    path("bid-sets/<int:pk>/submit/", bidding_api.BidSetSubmit.as_view(), name="bid_set_submit"),
    path("bid-sets/<int:pk>/withdraw/", bidding_api.BidSetWithdraw.as_view(), name="bid_set_withdraw"),
    path("bids/<int:pk>/", bidding_api.BidDetail.as_view(), name="bid_detail"),
    path("tasks/<int:pk>/reports/", bidding_api.TaskReports.as_view(), name="task_reports"),
    path("tasks/<int:pk>/milestones/", bidding_api.TaskMilestones.as_view(), name="task_milestones"),
    path("tasks/<int:pk>/targets/", bidding_api.TaskTargets.as_view(), name="task_targets"),
    path("tasks/<int:pk>/confirm/", bidding_api.TaskPlanConfirm.as_view(), name="task_plan_confirm"),
    path("tasks/<int:pk>/coordination/", bidding_api.TaskCoordination.as_view(), name="task_coordination"),
    path("milestones/<int:pk>/", bidding_api.MilestoneDetail.as_view(), name="milestone_detail"),
    path("targets/<int:pk>/", bidding_api.TargetDetail.as_view(), name="target_detail"),
    path(
        "coordination/<int:pk>/answer/", bidding_api.CoordinationAnswer.as_view(), name="coordination_answer"
    ),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path("docs/", Docs.as_view(url_name="api:schema", permission_classes=[]), name="docs"),
    *(path(f"v1/{p.pattern}", p.callback, name=p.name) for p in v1),
]
