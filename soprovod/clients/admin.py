from django.contrib import admin

from soprovod.audit.readonly import ReadOnlyAdminMixin
from soprovod.clients.models import Client, Contact, Site


class SiteInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Site
    extra = 0


class ContactInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Client)
class ClientAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: clients change on the portfolio pages, through clients.actions."""

    list_display = ("name", "inn", "status", "mrr_rub", "success_manager")
    list_filter = ("status", "segment")
    search_fields = ("name", "inn", "external_id")
    inlines = [SiteInline, ContactInline]
