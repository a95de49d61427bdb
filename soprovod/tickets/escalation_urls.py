from django.urls import path

from soprovod.tickets import escalation_views as views

app_name = "escalations"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.raise_by_hand, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
]
