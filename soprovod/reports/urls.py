from django.urls import path

from soprovod.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.archive, name="archive"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/commentary/", views.commentary, name="commentary"),
    path("<int:pk>/sections/", views.section_commentary, name="sections"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/regenerate/", views.regenerate, name="regenerate"),
    path("<int:pk>/view/", views.view_html, name="view"),
    path("<int:pk>/<str:fmt>/", views.download, name="download"),
]
