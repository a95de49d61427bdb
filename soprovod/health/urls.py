from django.urls import path

from soprovod.health import views

app_name = "health"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("clients/<int:pk>/", views.client_health, name="client"),
    path("clients/<int:pk>/sentiment/", views.set_sentiment, name="sentiment"),
    path("settings/", views.settings_page, name="settings"),
]
