"""The scoped admin base every app's admin uses.

For anyone but a superuser the admin is scoped exactly like the pages: changelists come from
the selectors' scope, related-object choices are limited to the scope, and an object outside it
is "not found" (the admin then returns to its index with a message). Staff users with a role
may look; adding and changing need a role that manages reference data; saving goes through the
services (their refusals are shown through ``core.errors``); nothing is deleted but by a
superuser.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpResponseRedirect

from . import capabilities
from .errors import service_call
from .models import CalendarDay

RelatedOnly = admin.RelatedOnlyFieldListFilter  # lists only values present in the scoped changelist


class ScopedAdmin(admin.ModelAdmin):
    """Base for every model admin of the platform.

    Subclasses say how to scope (``scope_queryset``), which related fields choose among what
    (``fk_choices``: field name → ``f(user) -> queryset``) and, for models with services,
    how to create and update (``service_create`` / ``service_update``)."""

    superuser_may_delete = True
    fk_choices: dict[str, Callable] = {}

    # --- Scope ---
    def scope_queryset(self, qs: QuerySet, user) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return self.scope_queryset(qs, request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.fk_choices.get(db_field.name)
        if choices is not None:
            kwargs["queryset"] = choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- Permissions: by role, not by Django's per-model permissions ---
    @staticmethod
    def is_platform_staff(request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or user.role))

    def has_module_permission(self, request) -> bool:
        return self.is_platform_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.is_platform_staff(request)

    def may_manage(self, request) -> bool:
        return self.is_platform_staff(request) and capabilities.may(request.user, "reference.manage")

    def has_add_permission(self, request) -> bool:
        return self.may_manage(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.may_manage(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return bool(self.superuser_may_delete and request.user.is_active and request.user.is_superuser)

    def has_manage_permission(self, request) -> bool:  # for actions with permissions=["manage"]
        return self.may_manage(request)

    # --- Writes through the services ---
    def service_create(self, request, data: dict) -> Model:
        raise NotImplementedError

    def service_update(self, request, obj: Model, data: dict) -> Model:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        if change:
            # The service works on the stored object and applies only what the form changed.
            current = self.get_queryset(request).get(pk=obj.pk)
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            if data:
                self.service_update(request, current, data)
        else:
            created = self.service_create(request, dict(form.cleaned_data))
            for model_field in obj._meta.concrete_fields:
                setattr(obj, model_field.attname, getattr(created, model_field.attname))
            obj._state.adding = False
            obj._state.db = created._state.db

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A rule refused the save (the transaction is rolled back): say why, back to the form.
        with service_call(forbidden="return") as call:
            return super().changeform_view(request, object_id, form_url, extra_context)
        self.message_user(request, call.message, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def run_service_action(self, request, queryset, service: Callable, done: str) -> None:
        """Apply ``service(obj)`` to each selected object, each in its own transaction."""
        ok = 0
        for obj in queryset:
            with service_call(forbidden="return") as call:
                service(obj)
                ok += 1
            if call.refused:
                self.message_user(request, f"{obj}:{call.message}", level=messages.ERROR)
        if ok:
            self.message_user(request, done % {"n": ok}, level=messages.SUCCESS)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """节假日与调休: the working-day calendar's exceptions, kept by the administrators."""

    list_display = ["date", "name", "is_workday"]
    list_editable = ["is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
