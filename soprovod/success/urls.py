from django.urls import path

from soprovod.success import views

app_name = "success"

urlpatterns = [
    path("claims/", views.claim_list, name="claims"),
    path("claims/new/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/file/", views.claim_file, name="claim_file"),
]
