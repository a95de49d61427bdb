from django.urls import path

from soprovod.macros import views

app_name = "macros"

urlpatterns = [
    path("", views.macro_list, name="list"),
    path("new/", views.macro_create, name="create"),
    path("<int:pk>/", views.macro_edit, name="edit"),
    path("<int:pk>/delete/", views.macro_delete, name="delete"),
    path("<int:pk>/use/<int:number>/", views.use, name="use"),
]
