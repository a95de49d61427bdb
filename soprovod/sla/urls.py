from django.urls import path

from soprovod.sla import views

app_name = "sla"

urlpatterns = [
    path("", views.calendar_list, name="calendars"),
    path("calendars/<int:pk>/", views.calendar_detail, name="calendar"),
    path("calendars/<int:pk>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/import/", views.calendar_import, name="calendar_import"),
    path("calendars/<int:pk>/days/", views.calendar_day, name="calendar_day_add"),
    # <day> is an ISO date (2026-03-09); anything else answers 404.
    path("calendars/<int:pk>/days/<str:day>/", views.calendar_day, name="calendar_day"),
    path(
        "calendars/<int:pk>/days/<str:day>/delete/",
        views.calendar_day_delete,
        name="calendar_day_delete",
    ),
    path("policies/<int:pk>/", views.policy_detail, name="policy"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
]
