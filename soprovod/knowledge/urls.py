from django.urls import path

from soprovod.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_create, name="create"),
    path("categories/", views.category_create, name="category_create"),
    path("<int:pk>/", views.article_detail, name="article"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/history/", views.article_history, name="history"),
    path("<int:pk>/diff/", views.article_diff, name="diff"),
    path("<int:pk>/versions/<int:number>/", views.article_version, name="version"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("<int:pk>/files/", views.file_upload, name="file_upload"),
    path("files/<int:pk>/", views.file_download, name="file"),
    path("files/<int:pk>/delete/", views.file_delete, name="file_delete"),
    path("tickets/<int:number>/search/", views.ticket_search, name="ticket_search"),
    path("tickets/<int:number>/link/", views.ticket_link, name="ticket_link"),
    path("tickets/<int:number>/unlink/<int:article>/", views.ticket_unlink, name="ticket_unlink"),
    path("tickets/<int:number>/insert/<int:article>/", views.ticket_insert, name="ticket_insert"),
]
