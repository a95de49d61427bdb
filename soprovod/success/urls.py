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

urlpatterns += [
    path("churn/", views.churn_list, name="churn"),
    path("churn/new/", views.churn_create, name="churn_create"),
    path("churn/reasons/", views.churn_reasons, name="churn_reasons"),
    path("churn/<int:pk>/", views.churn_case, name="churn_case"),
    path("churn/<int:pk>/edit/", views.churn_edit, name="churn_edit"),
    path("churn/<int:pk>/tasks/", views.churn_task_add, name="churn_task_add"),
    path("churn/<int:pk>/tasks/<int:task_id>/", views.churn_task_done, name="churn_task_done"),
    path("churn/<int:pk>/close/", views.churn_close, name="churn_close"),
    path("clients/<int:client_id>/key-account/", views.key_account, name="key_account"),
    path("clients/<int:client_id>/timeline/", views.client_timeline, name="timeline"),
    path("clients/<int:client_id>/notes/new/", views.note_create, name="note_create"),
    path("next-steps/<int:step_id>/", views.next_step_done, name="next_step_done"),
]
