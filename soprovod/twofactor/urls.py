from django.urls import path

from soprovod.twofactor import views

app_name = "twofactor"

urlpatterns = [
    path("", views.security, name="security"),
    path("people/<int:pk>/reset/", views.reset, name="reset"),
    path("two-factor/", views.account, name="account"),
    path("two-factor/enrol/", views.enrol, name="enrol"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/recovery-codes/", views.new_codes, name="new_codes"),
    path("two-factor/off/", views.turn_off, name="turn_off"),
]
