"""One memo per request for the shared reads of people (accounts.queries.request_memo)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from soprovod.accounts.queries import request_memo


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_memo():
            return self.get_response(request)
