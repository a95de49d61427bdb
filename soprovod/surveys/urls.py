from django.urls import path

from soprovod.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("detractors/", views.task_list, name="tasks"),
    path("detractors/<int:pk>/", views.task_detail, name="task"),
    path("internal/", views.internal, name="internal"),
    # Without a login: the links in the mail.
    path("a/<str:token>/", views.answer, name="answer"),
    path("a/<str:token>/<int:score>/", views.rate, name="rate"),
]
