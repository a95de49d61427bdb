from django.conf import settings
from django.utils.functional import SimpleLazyObject

from soprovod.web.navigation import navigation_for


def navigation(request):
    """The menu, computed (its checks and the escalation badge's count) only when a template
    shows it, and once: a fragment rendered with the request (a panel, an htmx answer) costs
    no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": [], "portfolio_capacity": settings.PORTFOLIO_CAPACITY}
    both = SimpleLazyObject(lambda: navigation_for(user, request.path))
    return {
        "nav_items": SimpleLazyObject(lambda: both[0]),
        "nav_menu": SimpleLazyObject(lambda: both[1]),
        "portfolio_capacity": settings.PORTFOLIO_CAPACITY,
    }
