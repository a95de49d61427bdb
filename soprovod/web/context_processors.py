from django.conf import settings

from soprovod.web.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": menu_for(user, request.path)
        if user is not None and user.is_authenticated
        else [],
        "portfolio_capacity": settings.PORTFOLIO_CAPACITY,
    }
