from django.urls import path

from . import views

app_name = "proposals"
urlpatterns = [
    path("book/", views.my_book, name="book"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox.xlsx", views.inbox, {"fmt": "xlsx"}, name="inbox_xlsx"),
    path("inbox.csv", views.inbox, {"fmt": "csv"}, name="inbox_csv"),
    path("inbox/<str:code>/extend/", views.region_extend, name="region_extend"),
    path("books/<int:pk>/", views.book_detail, name="book_detail"),
    path("books/<int:pk>/cover/", views.book_cover, name="book_cover"),
    path("books/<int:pk>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("books/<int:pk>/sign/", views.book_sign, name="book_sign"),
    path("books/<int:pk>/submit/", views.book_submit, name="book_submit"),
    path("books/<int:pk>/withdraw/", views.book_withdraw, name="book_withdraw"),
    path("books/<int:pk>/return/", views.book_return, name="book_return"),
    path("books/<int:pk>/extend/", views.book_extend, name="book_extend"),
    path("books/<int:pk>/pdf/", views.book_pdf, name="book_pdf"),
    path("books/<int:pk>/import/", views.book_import, name="book_import"),
    path("books/<int:pk>/import/template.xlsx", views.import_template, name="import_template"),
    path("books/<int:pk>/docx/", views.book_docx, name="book_docx"),
    path("items/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("items/<int:pk>/delete/", views.proposal_delete, name="proposal_delete"),
    path("items/<int:pk>/move/", views.proposal_move, name="proposal_move"),
    path("items/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
