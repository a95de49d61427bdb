from django.urls import path

from soprovod.bitrix import views

app_name = "bitrix"

urlpatterns = [
    path("", views.sync_log, name="log"),
    path("sync/", views.sync_now, name="sync"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/decide/", views.conflict_decide, name="decide"),
    path("events/", views.events, name="events"),
]
