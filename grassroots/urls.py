from django.urls import path

from . import views

app_name = "grassroots"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.collection_new, name="collection_new"),
    path("<int:pk>/", views.desk, name="desk"),
    path("<int:pk>/suggestions.xlsx", views.desk_export, {"fmt": "xlsx"}, name="desk_xlsx"),
    path("<int:pk>/suggestions.csv", views.desk_export, {"fmt": "csv"}, name="desk_csv"),
    path("<int:pk>/edit/", views.collection_edit, name="collection_edit"),
    path("<int:pk>/close/", views.collection_close, name="collection_close"),
    path("<int:pk>/reopen/", views.collection_reopen, name="collection_reopen"),
    path("<int:pk>/convert/", views.convert, name="convert"),
    path("<int:pk>/unit/", views.unit, name="unit"),
    path("<int:pk>/suggest/", views.suggestion_new, name="suggestion_new"),
    path("s/<int:pk>/", views.suggestion_detail, name="suggestion"),
    path("s/<int:pk>/edit/", views.suggestion_edit, name="suggestion_edit"),
    path("s/<int:pk>/attach/", views.suggestion_attach, name="suggestion_attach"),
    path("s/<int:pk>/review/", views.suggestion_review, name="suggestion_review"),
    path("s/<int:pk>/reply/", views.suggestion_reply, name="suggestion_reply"),
    path("s/<int:pk>/moderate/", views.suggestion_moderate, name="suggestion_moderate"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("public/<int:pk>/", views.public_form, name="public"),
    path("follow/<str:token>/", views.follow, name="follow"),
]
