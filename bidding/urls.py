from django.urls import path

from . import views

app_name = "bidding"
urlpatterns = [
    path("bids/", views.bids, name="bids"),
    path("bids/entries/<int:entry_pk>/", views.bid_edit, name="bid_edit"),
    path("bids/entries/<int:entry_pk>/delete/", views.bid_delete, name="bid_delete"),
    path("bids/sign/", views.bid_set_sign, name="bid_set_sign"),
    path("bids/submit/", views.bid_set_submit, name="bid_set_submit"),
    path("bids/withdraw/", views.bid_set_withdraw, name="bid_set_withdraw"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix.xlsx", views.matrix_xlsx, name="matrix_xlsx"),
    path("matrix/award/", views.award, name="award"),
    path("matrix/extend/", views.extend, name="extend"),
    path("notices/issue/", views.notices_issue, name="notices_issue"),
    path("notices/issue-one/", views.notice_issue_one, name="notice_issue_one"),
    path("notices/register/", views.doc_number_register, name="doc_number_register"),
    path("notices/batches/<int:pk>/", views.notice_progress, name="notice_progress"),
    path("notices/<int:pk>/pdf/", views.notice_download, name="notice_download"),
    path("notices/<int:pk>/docx/", views.notice_docx, name="notice_docx"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/entities/", views.task_entities, name="task_entities"),
    path("tasks/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("tasks/<int:pk>/targets/", views.target_add, name="target_add"),
    path("tasks/<int:pk>/confirm/", views.plan_confirm, name="plan_confirm"),
    path("tasks/<int:pk>/import/", views.plan_import, name="plan_import"),
    path("tasks/<int:pk>/import/template.xlsx", views.plan_template, name="plan_template"),
    path("tasks/<int:pk>/reports/new/", views.report_new, name="report_new"),
    path("tasks/<int:pk>/coordination/", views.coordination_new, name="coordination_new"),
    path("tasks/<int:pk>/summary/", views.summary, name="summary"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("report-attachments/<int:pk>/", views.report_attachment, name="report_attachment"),
    path("coordination/<int:pk>/answer/", views.coordination_answer, name="coordination_answer"),
    path("progress/", views.progress, name="progress"),
]
