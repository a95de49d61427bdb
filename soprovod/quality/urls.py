from django.urls import path

from soprovod.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.home, name="home"),
    path("build/", views.build, name="build"),
    path("mine/", views.mine, name="mine"),
    path("rubric/", views.rubric, name="rubric"),
    path("weeks/<int:pk>/", views.week, name="week"),
    path("reviews/<int:pk>/", views.item, name="item"),
]
