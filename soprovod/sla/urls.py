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
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy"),
    path("policies/<int:pk>/retire/", views.policy_retire, name="policy_retire"),
    path("policies/<int:pk>/restore/", views.policy_restore, name="policy_restore"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("clients/<int:client_pk>/policy/", views.client_policy, name="client_policy"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
]
