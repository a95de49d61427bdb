from django.urls import path

from soprovod.problems import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.create, name="create"),
    path("register/", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/fix/", views.record_fix, name="fix"),
    path("<int:pk>/close/", views.close, name="close"),
]
