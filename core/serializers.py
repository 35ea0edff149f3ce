"""Serializer building blocks every app uses: a primary key chosen within the user's scope, and
model serializers whose choice fields get named schema enums.

Serializers only check input shape; the rules live in the services."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from rest_framework import serializers


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key chosen among the objects the requesting user may see.

    ``scope(user)`` returns that queryset; anything else is refused with the same message
    whether it does not exist or is outside the scope, so the answer leaks nothing.
    ``queryset`` stays the unscoped model queryset only so that schema tools know the model.
    """

    default_error_messages = {
        "does_not_exist": _("编号为 {pk_value} 的对象不存在或不在您的辖区内。"),
        "incorrect_type": _("请填写对象编号(整数),而不是 {data_type}。"),
    }

    def __init__(self, *, scope: Callable[..., QuerySet], **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        return self.scope(getattr(request, "user", None))


class NamedChoiceField(serializers.ChoiceField):
    """A choice field published in the API schema as its own enum component, ``enum_name``.

    Several models have a ``kind`` with different choices; named after their model, the schema
    gets ``RegionKindEnum``, ``MediatorKindEnum`` … instead of hash-suffixed names."""

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class _NamedChoiceFieldSchema(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def get_name(self) -> str:
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction):
        return build_choice_field(self.target)


class ChoiceLabelField(serializers.CharField):
    """The label of a model field's choice: what ``source="get_<name>_display"`` gives, read
    from the field's choices. A method as ``source`` is inspected (``inspect.signature``) and
    called on every row, a fifth of a list's serialising time."""

    def __init__(self, choice_field: str, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(source=choice_field, **kwargs)

    def bind(self, field_name: str, parent: serializers.BaseSerializer) -> None:
        super().bind(field_name, parent)
        model = parent.Meta.model  # type: ignore[attr-defined]  # a model serializer's
        self.labels = dict(model._meta.get_field(self.source).flatchoices)

    def to_representation(self, value) -> str:
        return str(self.labels.get(value, value))


class BaseModelSerializer(serializers.ModelSerializer):
    named_choice_fields: tuple[str, ...] = ("kind",)

    class Meta:
        # Multi-field constraints are checked once, by the services' full_clean, with the
        # models' own Chinese messages; DRF would otherwise make fields required for them.
        validators: list = []

    def get_field_names(self, declared_fields, info):
        """A versioned record (``core.models.Versioned``) always shows its ``version``
        (read-only): the client sends it back as ``If-Match`` or ``version`` with its write."""
        names = list(super().get_field_names(declared_fields, info))
        if "version" in info.fields and "version" not in names:
            names.append("version")
        return names

    def get_extra_kwargs(self):
        kwargs = super().get_extra_kwargs()
        kwargs.setdefault("version", {})["read_only"] = True  # checked by the write, never written
        return kwargs

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in self.named_choice_fields and issubclass(field_class, serializers.ChoiceField):
            field_class = NamedChoiceField
            kwargs["enum_name"] = f"{model_field.model.__name__}{field_name.title()}Enum"
        return field_class, kwargs
