from django.urls import path

from soprovod.handoffs import views

app_name = "handoffs"

urlpatterns = [
    path("", views.handoff_list, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.handoff_edit, name="create"),
    path("<int:pk>/", views.handoff_detail, name="detail"),
    path("<int:pk>/edit/", views.handoff_edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path("<int:pk>/documents/<int:document_id>/", views.document_file, name="document"),
    path(
        "<int:pk>/documents/<int:document_id>/remove/",
        views.document_remove,
        name="document_remove",
    ),
    path("<int:pk>/return/", views.return_handoff, name="return"),
    path("<int:pk>/accept/", views.accept, name="accept"),
]
