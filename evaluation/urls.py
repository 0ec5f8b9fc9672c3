from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("commissions/", views.commissions, name="commissions"),
    path("commissions.xlsx", views.commissions, {"fmt": "xlsx"}, name="commissions_xlsx"),
    path("commissions.csv", views.commissions, {"fmt": "csv"}, name="commissions_csv"),
    path("commissions/new/", views.commission_new, name="commission_new"),
    path("commissions/<int:pk>/", views.commission_detail, name="commission_detail"),
    path("commissions/<int:pk>/withdraw/", views.commission_withdraw, name="commission_withdraw"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments.xlsx", views.assignments, {"fmt": "xlsx"}, name="assignments_xlsx"),
    path("assignments.csv", views.assignments, {"fmt": "csv"}, name="assignments_csv"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/export/", views.task_export, name="task_export"),
    path("tasks/<int:pk>/assessment/", views.assessment_edit, name="assessment_edit"),
    path("report-files/<int:pk>/", views.report_attachment, name="report_attachment"),
    path("assessments/", views.assessments, name="assessments"),
    path("assessments.xlsx", views.assessments, {"fmt": "xlsx"}, name="assessments_xlsx"),
    path("assessments.csv", views.assessments, {"fmt": "csv"}, name="assessments_csv"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/report/", views.assessment_report, name="assessment_report"),
    path(
        "assessments/<int:pk>/request-reopen/",
        views.assessment_request_reopen,
        name="assessment_request_reopen",
    ),
    path(
        "assessments/<int:pk>/decide-reopen/", views.assessment_decide_reopen, name="assessment_decide_reopen"
    ),
    path("scheme/", views.scheme, name="scheme"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes.xlsx", views.outcomes, {"fmt": "xlsx"}, name="outcomes_xlsx"),
    path("outcomes.csv", views.outcomes, {"fmt": "csv"}, name="outcomes_csv"),
    path("outcomes/new/<int:task_pk>/", views.outcome_new, name="outcome_new"),
    path("outcomes/<int:pk>/edit/", views.outcome_edit, name="outcome_edit"),
    path("outcomes/<int:pk>/publish/", views.outcome_publish, name="outcome_publish"),
    path("incentives/", views.incentives, name="incentives"),
    path("incentives.xlsx", views.incentives_export, {"fmt": "xlsx"}, name="incentives_xlsx"),
    path("incentives.csv", views.incentives_export, {"fmt": "csv"}, name="incentives_csv"),
    path("results/", views.results, name="results"),
    path("results/publish/", views.results_publish, name="results_publish"),
    path("results/unpublish/", views.results_unpublish, name="results_unpublish"),
    path("results/export/", views.results_export, name="results_export"),
    path("library/", views.library, name="library"),
    path("library.xlsx", views.library, {"fmt": "xlsx"}, name="library_xlsx"),
    path("library.csv", views.library, {"fmt": "csv"}, name="library_csv"),
    path("library/<int:pk>/", views.library_detail, name="library_detail"),
    path("library/results/", views.public_results, name="public_results"),
]
