from django.urls import path

from soprovod.portal import articles, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.create, name="create"),
    path("search/", views.search, name="search"),
    path("sla/", views.sla_terms, name="sla"),
    path("new/suggest/", articles.suggest, name="suggest"),
    path("kb/", articles.article_list, name="articles"),
    path("kb/<int:pk>/", articles.article_detail, name="article"),
    path("kb/<int:pk>/helped/", articles.helped, name="article_helped"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", views.reply, name="reply"),
    path("tickets/<int:number>/reopen/", views.reopen, name="reopen"),
    path("tickets/<int:number>/rate/", views.rate, name="rate"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
