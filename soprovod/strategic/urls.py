from django.urls import path

from soprovod.strategic import views

app_name = "strategic"

urlpatterns = [
    path("", views.strategic_home, name="home"),
    path("<int:year>/", views.strategic_year, name="year"),
    path("kpis/<int:pk>/plans/", views.kpi_plans, name="plans"),
    path("kpis/<int:pk>/fact/", views.kpi_fact, name="fact"),
]
