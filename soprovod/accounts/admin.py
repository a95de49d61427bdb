from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from soprovod.accounts.models import ApiToken, User, UserRole
from soprovod.audit.readonly import ReadOnlyAdminMixin


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [UserRoleInline]
    list_display = ("username", "email", "first_name", "last_name", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Soprovod", {"fields": ("position", "phone")}))


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: tokens are issued and revoked on the profile page, through actions."""

    list_display = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_hash", "hint")
