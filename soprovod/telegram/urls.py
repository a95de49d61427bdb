from django.urls import path

from soprovod.telegram import views

app_name = "telegram"

urlpatterns = [
    path("", views.home, name="home"),
    path("code/", views.issue_code, name="code"),
    path("code/email/", views.email_code, name="email_code"),
    path("contacts/code/", views.email_contact_code, name="contact_code"),
    path("chats/<int:pk>/unlink/", views.unlink, name="unlink"),
    path("duty/", views.duty_rota, name="duty"),
    path("duty/<int:pk>/delete/", views.delete_shift, name="delete_shift"),
    path("webhook/", views.webhook, name="webhook"),
]
