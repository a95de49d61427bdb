from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from soprovod.api import api
from soprovod.web import views as web_views

handler500 = "soprovod.web.views.server_error"

urlpatterns = [
    path("favicon.ico", web_views.no_favicon),
    path("", web_views.home, name="home"),
    # Unnamespaced names that Django's auth machinery and LOGIN_URL expect.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("soprovod.accounts.urls")),
    path("security/", include("soprovod.twofactor.urls")),
    path("clients/", include("soprovod.clients.urls")),
    path("sla/", include("soprovod.sla.urls")),
    path("tickets/", include("soprovod.tickets.urls")),
    path("search/", include("soprovod.search.urls")),
    path("escalations/", include("soprovod.tickets.escalation_urls")),
    path("notifications/", include("soprovod.core.views_notifications")),
    path("portal/", include("soprovod.portal.urls")),
    path("kb/", include("soprovod.knowledge.urls")),
    path("projects/", include("soprovod.projects.urls")),
    path("devrequests/", include("soprovod.devrequests.urls")),
    path("incidents/", include("soprovod.incidents.urls")),
    path("macros/", include("soprovod.macros.urls")),
    path("routing/", include("soprovod.routing.urls")),
    path("quality/", include("soprovod.quality.urls")),
    path("problems/", include("soprovod.problems.urls")),
    path("budget/", include("soprovod.budget.urls")),
    path("bitrix/", include("soprovod.bitrix.urls")),
    path("strategic/", include("soprovod.strategic.urls")),
    path("surveys/", include("soprovod.surveys.urls")),
    path("handoffs/", include("soprovod.handoffs.urls")),
    path("success/", include("soprovod.success.urls")),
    path("health/", include("soprovod.health.urls")),
    path("meetings/", include("soprovod.meetings.urls")),
    path("kpi/", include("soprovod.kpi.urls")),
    path("reports/", include("soprovod.reports.urls")),
    path("team/", include("soprovod.team.urls")),
    path("telegram/", include("soprovod.telegram.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
