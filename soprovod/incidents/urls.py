from django.urls import path

from soprovod.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.create, name="create"),
    path("link/", views.bulk_link, name="bulk_link"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/update/", views.post_update, name="update"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/link/", views.link_ticket, name="link"),
    path("<int:pk>/unlink/<int:number>/", views.unlink_ticket, name="unlink"),
]
