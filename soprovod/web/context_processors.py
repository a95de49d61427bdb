from django.conf import settings

from soprovod.web.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    items, menu = (
        navigation_for(user, request.path)
        if user is not None and user.is_authenticated
        else ([], [])
    )
    return {
        "nav_items": items,
        "nav_menu": menu,
        "portfolio_capacity": settings.PORTFOLIO_CAPACITY,
    }
