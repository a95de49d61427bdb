from django.urls import path

from soprovod.clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("import/", views.client_import, name="import"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/sites/new/", views.site_create, name="site_create"),
    path("<int:client_id>/sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("<int:client_id>/sites/<int:pk>/delete/", views.site_delete, name="site_delete"),
    path("<int:client_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:client_id>/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:client_id>/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
]
