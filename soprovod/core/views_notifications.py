"""The user's in-app notifications: the list, marking them read, and the unread counter in
the page header. A user only ever sees and touches their own notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from soprovod.core.models import Notification

PAGE_SIZE = 50


def unread_count(request: HttpRequest) -> dict:
    """Context processor: ``unread_notifications``, counted (one query) only when a template
    shows it, so htmx fragments cost nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        )
    }


def _safe_local(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    qs = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {"page": page, "notifications": page.object_list, "only_unread": only_unread},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the posted ``id``s read, or all of them with ``all``."""
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    if not request.POST.get("all"):
        ids = [int(v) for v in request.POST.getlist("id") if v.isdigit() and len(v) <= 18]
        unread = unread.filter(pk__in=ids)
    unread.update(read_at=timezone.now())
    target = request.POST.get("next", "")
    return redirect(target if _safe_local(request, target) else reverse("notifications:list"))


@login_required
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    item = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if item.read_at is None:
        Notification.objects.filter(pk=item.pk).update(read_at=timezone.now())
    return redirect(item.url if _safe_local(request, item.url) else reverse("notifications:list"))


app_name = "notifications"
urlpatterns = [
    path("", notification_list, name="list"),
    path("read/", mark_read, name="read"),
    path("<int:pk>/", open_notification, name="open"),
]
