from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class DemoUserAdmin(UserAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Phone", {"fields": ("phone_number",)}))
    list_display = ("username", "email", "phone_number", "is_staff")
