from django.urls import path

from soprovod.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("my-tasks/", views.my_tasks, name="my_tasks"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/go-live/", views.go_live, name="go_live"),
    path("<int:pk>/blockers/", views.blocker_raise, name="blocker_raise"),
    path("<int:pk>/blockers/<int:blocker_id>/lift/", views.blocker_lift, name="blocker_lift"),
    path("<int:pk>/tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("<int:pk>/tasks/<int:task_id>/reopen/", views.task_reopen, name="task_reopen"),
    path("<int:pk>/tasks/<int:task_id>/edit/", views.task_edit, name="task_edit"),
]
