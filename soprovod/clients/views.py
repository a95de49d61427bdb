"""The client portfolio pages (interfaces.md «Web»: /clients/ and /clients/<id>/).

Who may do what is decided in ``soprovod.accounts.permissions`` only; reads come from
``queries``, writes go through ``actions``. Pages for one client answer 404 to anyone who may
not read it, so its existence does not leak; a client contact is sent to the portal.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from soprovod.accounts.permissions import (
    can_create_client,
    can_edit_own_clients,
    can_import_clients,
    can_see_audit,
    can_see_portfolio,
    is_client_account,
    reads_all_clients,
    require,
)
from soprovod.clients import actions, imports, queries
from soprovod.clients.forms import (
    RUSSIAN_TIME_ZONES,
    ClientForm,
    ContactForm,
    ImportForm,
    SiteForm,
)
from soprovod.clients.models import Client, ClientStatus
from soprovod.clients.pages import client_page_renderer
from soprovod.clients.permissions import (
    can_edit_client,
    get_client_or_404,
    get_contact_or_404,
    get_site_or_404,
)
from soprovod.core.http import is_htmx, posted, resubmission
from soprovod.core.panels import render_panels

# ---- who gets in -------------------------------------------------------------------------


def _to_portal() -> HttpResponse:
    """A client contact's way out of the staff pages: their portal."""
    return redirect("portal:home")


def _require_portfolio(request: HttpRequest) -> HttpResponse | None:
    """For pages that are not about one client: a section, so 403 for every role without
    it (a client contact included: the portal is their way in)."""
    require(can_see_portfolio(request.user))
    return None


def _client_contact_response(request: HttpRequest, client_id: int) -> HttpResponse | None:
    """For pages about one client: a client contact gets 404 for another company and the
    portal for their own; everyone else passes (the caller's lookup does the rest)."""
    if not is_client_account(request.user):
        return None
    get_client_or_404(request.user, client_id)
    return _to_portal()


# ---- the portfolio -----------------------------------------------------------------------


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    """The portfolio: search, filters, sorting and pages in the query string. An htmx request
    from the filter form gets only the results fragment, from the same queries."""
    if (response := _require_portfolio(request)) is not None:
        return response
    user = request.user
    filters = queries.PortfolioFilters.from_query(request.GET)
    summary = queries.portfolio_summary(user, filters)
    page = Paginator(queries.portfolio(user, filters), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "filters": filters,
        "summary": summary,
        "page": page,
        "clients": page.object_list,
        "statuses": ClientStatus.choices,
        "no_manager": queries.NO_MANAGER,
        "sort_choices": [
            ("name", _("Name, A to Z")),
            ("-name", _("Name, Z to A")),
            ("-mrr", _("MRR, highest first")),
            ("mrr", _("MRR, lowest first")),
        ],
        "show_capacity": reads_all_clients(user),
        "can_create": can_create_client(user),
        "can_import": can_import_clients(user),
    }
    if is_htmx(request):
        response = render(request, "clients/_portfolio.html", context)
    else:
        context["managers"] = queries.success_managers()
        context["segments"] = queries.segments_visible_to(user)
        response = render(request, "clients/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _client_contact_response(request, pk)) is not None:
        return response
    client = get_client_or_404(request.user, pk)
    page = queries.client_page(client, with_audit=can_see_audit(request.user))
    context = {
        "page": page,
        "client": client,
        "can_edit": can_edit_client(request.user, client),
        # What higher apps show about the client (core.panels).
        "panels": render_panels("client", request, client),
    }
    # A higher app may render the whole page (success: the client 360; clients.pages).
    if (renderer := client_page_renderer()) is not None:
        return renderer(request, client, context)
    return render(request, "clients/detail.html", context)


# ---- create and edit a client --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    if (response := _require_portfolio(request)) is not None:
        return response
    require(can_create_client(request.user))
    initial = {"status": ClientStatus.ONBOARDING}
    if can_edit_own_clients(request.user):  # a success manager proposes themself
        initial["success_manager"] = request.user.pk
    form = ClientForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            client = actions.do_create_client(request.user, **form.values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Client “%(name)s” created.") % {"name": client})
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "client": None})


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _client_contact_response(request, pk)) is not None:
        return response
    client = get_client_or_404(request.user, pk, for_update=True)
    form = ClientForm(posted(request), instance=client)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_client(
                request.user,
                client,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
                **form.values(),
            )
        except actions.StaleObjectError:
            current = Client.objects.select_related("success_manager", "sold_by").get(pk=pk)
            stale = {
                "message": _(
                    "Not saved: someone else changed “%(name)s” after you opened this form. "
                    "Your input is kept below; check it against the saved values and save again."
                )
                % {"name": current},
                "differences": form.differences_from(current),
            }
            data = resubmission(request, current)
            form = ClientForm(data, instance=current)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("clients:detail", pk=client.pk)
    return render(
        request, "clients/client_form.html", {"form": form, "client": client, "stale": stale}
    )


# ---- sites and contacts ---------------------------------------------------------------------


def _save_child(request, form, save, client, success_message) -> HttpResponse | None:
    """Validate ``form`` and hand its values to the ``save`` action; a redirect on success."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(**form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return None
    messages.success(request, success_message)
    return redirect(reverse("clients:detail", args=[client.pk]))


def _child_form_page(request, *, client, form, kind: str, obj=None) -> HttpResponse:
    return render(
        request,
        "clients/child_form.html",
        {
            "client": client,
            "form": form,
            "kind": kind,
            "obj": obj,
            "time_zones": RUSSIAN_TIME_ZONES,
        },
    )


def _child_of(request, client_id: int, getter, pk: int, *, for_update: bool = True):
    """The site or contact ``pk`` of client ``client_id``, if the user may edit it."""
    obj = getter(request.user, pk, for_update=for_update)
    if obj.client_id != client_id:
        raise Http404
    return obj


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest, client_id: int) -> HttpResponse:
    if (response := _client_contact_response(request, client_id)) is not None:
        return response
    client = get_client_or_404(request.user, client_id, for_update=True)
    form = SiteForm(posted(request))

    def save(**values):
        return actions.do_save_site(request.user, client, **values)

    return _save_child(request, form, save, client, _("Site added.")) or _child_form_page(
        request, client=client, form=form, kind="site"
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, client_id: int, pk: int) -> HttpResponse:
    if (response := _client_contact_response(request, client_id)) is not None:
        return response
    site = _child_of(request, client_id, get_site_or_404, pk)
    # The form works on a copy: the action compares the saved site with the new values.
    form = SiteForm(posted(request), instance=_copy(site))

    def save(**values):
        return actions.do_save_site(request.user, site.client, site, **values)

    return _save_child(request, form, save, site.client, _("Site saved.")) or _child_form_page(
        request, client=site.client, form=form, kind="site", obj=site
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_delete(request: HttpRequest, client_id: int, pk: int) -> HttpResponse:
    if (response := _client_contact_response(request, client_id)) is not None:
        return response
    site = _child_of(request, client_id, get_site_or_404, pk)
    if request.method == "POST":
        actions.do_delete_site(request.user, site)
        messages.success(request, _("Site “%(name)s” deleted.") % {"name": site})
        return redirect("clients:detail", pk=client_id)
    return render(
        request, "clients/confirm_delete.html", {"client": site.client, "obj": site, "kind": "site"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, client_id: int) -> HttpResponse:
    if (response := _client_contact_response(request, client_id)) is not None:
        return response
    client = get_client_or_404(request.user, client_id, for_update=True)
    form = ContactForm(posted(request))

    def save(**values):
        return actions.do_save_contact(request.user, client, **values)

    return _save_child(request, form, save, client, _("Contact added.")) or _child_form_page(
        request, client=client, form=form, kind="contact"
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, client_id: int, pk: int) -> HttpResponse:
    if (response := _client_contact_response(request, client_id)) is not None:
        return response
    contact = _child_of(request, client_id, get_contact_or_404, pk)
    form = ContactForm(posted(request), instance=_copy(contact))

    def save(**values):
        return actions.do_save_contact(request.user, contact.client, contact, **values)

    return _save_child(
        request, form, save, contact.client, _("Contact saved.")
    ) or _child_form_page(request, client=contact.client, form=form, kind="contact", obj=contact)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, client_id: int, pk: int) -> HttpResponse:
    if (response := _client_contact_response(request, client_id)) is not None:
        return response
    contact = _child_of(request, client_id, get_contact_or_404, pk)
    if request.method == "POST":
        actions.do_delete_contact(request.user, contact)
        messages.success(request, _("Contact “%(name)s” deleted.") % {"name": contact})
        return redirect("clients:detail", pk=client_id)
    return render(
        request,
        "clients/confirm_delete.html",
        {"client": contact.client, "obj": contact, "kind": "contact"},
    )


def _copy(obj):
    """A detached copy of a model instance for a ModelForm to write into."""
    return type(obj)(**{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})


# ---- CSV import -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def client_import(request: HttpRequest) -> HttpResponse:
    if (response := _require_portfolio(request)) is not None:
        return response
    require(can_import_clients(request.user))
    form = ImportForm(posted(request), request.FILES if request.method == "POST" else None)
    result, issues = None, []
    if request.method == "POST" and form.is_valid():
        result, issues = form.run(imports.import_clients, actor=request.user)
    return render(
        request,
        "clients/import.html",
        {
            "form": form,
            "result": result,
            "issues": issues,
            "max_megabytes": form.max_megabytes,
        },
    )
