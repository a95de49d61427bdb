from django.urls import path

from soprovod.kpi import views

app_name = "kpi"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("drilldown/<str:key>/", views.drilldown_page, name="drilldown"),
    path("breakdown/<str:by>/", views.breakdown_page, name="breakdown"),
    path("targets/", views.targets, name="targets"),
    path("targets/<str:key>/", views.target_edit, name="target_edit"),
]
