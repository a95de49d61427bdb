"""The staff search page: /search/?q=… (a ticket number, an INN or an e-mail address opens
the record at once; other words list what was found, ranked, highlighted and grouped by
kind)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from soprovod.accounts.permissions import can_search, require
from soprovod.search import queries


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    require(can_search(request.user))
    query = queries.clean(request.GET.get("q"))
    if query and (target := queries.jump(request.user, query)):
        return redirect(target)
    groups = queries.grouped(request.user, query) if query else []
    return render(
        request,
        "search/results.html",
        {"query": query, "groups": groups, "search_box_query": query},
    )
