from django.urls import path

from soprovod.tickets import views, views_saved

app_name = "tickets"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.create, name="create"),
    path("new/client-options/", views.client_options, name="client_options"),
    path("new/clients/", views.client_search, name="client_search"),
    path("bulk/", views.bulk, name="bulk"),
    path("views/", views_saved.save, name="view_save"),
    path("views/<int:pk>/delete/", views_saved.delete, name="view_delete"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("<int:number>/", views.detail, name="detail"),
    path("<int:number>/timers/", views.timers, name="timers"),
    path("<int:number>/reply/", views.reply, name="reply"),
    path("<int:number>/status/", views.change_status, name="status"),
    path("<int:number>/update/", views.update, name="update"),
    path("<int:number>/extend/", views.extend, name="extend"),
    path("<int:number>/escalate/", views.escalate, name="escalate"),
    path("<int:number>/merge/", views.merge, name="merge"),
]
