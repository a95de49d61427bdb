from django.urls import path

from soprovod.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.create, name="create"),
    path("new/client-options/", views.client_options, name="client_options"),
    path("bulk/", views.bulk, name="bulk"),
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
