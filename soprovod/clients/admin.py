from django.contrib import admin

from soprovod.clients.models import Client, Contact, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "inn", "status", "mrr_rub", "success_manager")
    list_filter = ("status", "segment")
    search_fields = ("name", "inn", "external_id")
    inlines = [SiteInline, ContactInline]
