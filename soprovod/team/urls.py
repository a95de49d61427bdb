from django.urls import path

from soprovod.team import views

app_name = "team"

urlpatterns = [
    path("", views.people_list, name="people"),
    path("training/", views.training, name="training"),
    path("training/<int:pk>/", views.training_item, name="training_item"),
    path("absences/<int:pk>/cancel/", views.absence_cancel, name="absence_cancel"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/roles/", views.role, name="role"),
    path("<int:pk>/absences/", views.absence_add, name="absence_add"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
]
