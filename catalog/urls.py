from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("merge/", views.merge, name="merge"),
    path("proposals.xlsx", views.proposal_summary, name="proposal_summary"),
    path("merge/groups/", views.merge_groups, name="merge_groups"),
    path("merge/prefill/", views.merge_prefill, name="merge_prefill"),
    path("merge/compare/", views.merge_compare, name="merge_compare"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/", views.synonym_edit, name="synonym_edit"),
    path("synonyms/<int:pk>/delete/", views.synonym_delete, name="synonym_delete"),
    path("proposals/<int:pk>/reject/", views.reject, name="reject"),
    path("proposals/<int:pk>/unreject/", views.unreject, name="unreject"),
    path("measures/", views.measures, name="measures"),
    path("measures.xlsx", views.measures, {"fmt": "xlsx"}, name="measures_xlsx"),
    path("measures.csv", views.measures, {"fmt": "csv"}, name="measures_csv"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/unmerge/", views.unmerge, name="unmerge"),
    path("measures/<int:pk>/assign/", views.assign, name="assign"),
    path("reviews/<int:pk>/unassign/", views.unassign, name="unassign"),
    path("measures/<int:pk>/include/", views.include, name="include"),
    path("reviews/", views.my_reviews, name="my_reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("lists/", views.lists, name="lists"),
    path("lists/<int:pk>/", views.list_manage, name="list_manage"),
    path("lists/<int:pk>/send/", views.send, name="send"),
    path("lists/<int:pk>/publish/", views.publish, name="publish"),
    path("opinions/<int:pk>/respond/", views.respond, name="respond"),
    path("consultations/", views.consultations, name="consultations"),
    path("consultations/<int:pk>/", views.consultation, name="consultation"),
    path("published/", views.published, name="published"),
    path("public/<int:pk>/", views.public_list, name="public_list"),
    path("public/<int:pk>/pdf/", views.public_pdf, name="public_pdf"),
    path("public/<int:pk>/docx/", views.public_docx, name="public_docx"),
    path("public/<int:pk>/xlsx/", views.public_xlsx, name="public_xlsx"),
]
