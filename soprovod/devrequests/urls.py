from django.urls import path

from soprovod.devrequests import views

app_name = "devrequests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/submit/", views.request_submit, name="submit"),
    path("<int:pk>/accept/", views.request_accept, name="accept"),
    path("<int:pk>/decline/", views.request_decline, name="decline"),
    path("<int:pk>/start/", views.request_start, name="start"),
    path("<int:pk>/release/", views.request_release, name="release"),
    path("<int:pk>/wont-do/", views.request_wont_do, name="wont_do"),
    path("<int:pk>/vote/", views.request_vote, name="vote"),
    path("<int:pk>/link/", views.request_link, name="link"),
    path("<int:pk>/merge/", views.request_merge, name="merge"),
    path("<int:pk>/tell-clients/", views.request_tell, name="tell"),
]
