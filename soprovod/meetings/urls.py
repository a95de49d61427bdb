from django.urls import path

from soprovod.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("this-week/<str:kind>/", views.this_week, name="this_week"),
    path("items/", views.my_items, name="my_items"),
    path("items/<int:pk>/close/", views.close_item, name="close_item"),
    path("series/<int:pk>/", views.series_edit, name="series_edit"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/minutes/", views.save_minutes, name="minutes"),
    path("<int:pk>/items/", views.add_item, name="add_item"),
    path("<int:pk>/invite.ics", views.invitation, name="invitation"),
]
