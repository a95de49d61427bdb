from django.urls import path

from soprovod.budget import views

app_name = "budget"

urlpatterns = [
    path("", views.budget_home, name="home"),
    path("<int:year>/", views.budget_year, name="year"),
    path("<int:year>/new-version/", views.version_start, name="start"),
    path("<int:year>/facts/", views.facts_month, name="facts"),
    path("<int:year>/facts/import/", views.facts_import, name="import"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/submit/", views.version_submit, name="submit"),
    path("versions/<int:pk>/decide/", views.version_decide, name="decide"),
]
