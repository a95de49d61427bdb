from django.urls import path

from soprovod.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.create, name="create"),
    path("search/", views.search, name="search"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", views.reply, name="reply"),
    path("tickets/<int:number>/reopen/", views.reopen, name="reopen"),
    path("tickets/<int:number>/rate/", views.rate, name="rate"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
