"""Form building blocks every app uses.

Forms only parse input into Python values; whether the whole object is valid is decided by the
service the view calls, and its errors come back onto the form through ``core.errors``.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core import validators
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    """Django's form renderer (``FORM_RENDERER``), except that a ``<select>`` is built in Python:
    the same HTML Django's templates give, without one template include per option (a select of
    1,000 villages took 100 ms to render; the case page has a dozen selects)."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            widget = context["widget"]
            if all(
                o["template_name"] == OPTION_TEMPLATE for _n, group, _i in widget["optgroups"] for o in group
            ):
                return _select_html(widget)
        return super().render(template_name, context, request)


def _attrs_html(attrs: dict[str, Any]) -> str:
    """As ``django/forms/widgets/attrs.html``: ``False`` left out, ``True`` as a bare name."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select_html(widget: dict[str, Any]) -> SafeString:
    """As ``django/forms/widgets/select.html`` with ``select_option.html``, to the character."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs_html(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)


class ValuesChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of a ``ValuesChoiceField`` from its label columns, read as values."""

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        for pk, *values in self.queryset.values_list("pk", *field.label_fields):
            yield (pk, field.label_from_values(*values))


class ValuesChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose options are read as values (the id and ``label_fields``), not
    as model instances: a county user's select of 2,000 villages built 2,000 instances on every
    list page (a third of its time). Validation is ``ModelChoiceField``'s (the chosen row is
    fetched from the queryset); the label is ``label_from_values`` of the label columns."""

    iterator = ValuesChoiceIterator
    label_fields: tuple[str, ...] = ("name",)

    def label_from_values(self, *values: Any) -> str:
        return " ".join(str(v) for v in values)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StyledFormMixin:
    """Bootstrap classes on every widget, so templates can render fields in a loop."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ServiceModelForm(StyledFormMixin, forms.ModelForm):
    """A ModelForm used for parsing only: it takes the model's field types, labels and choices,
    but neither fills nor validates the instance. Validating the object and saving it is the
    service's job, so that pages, the API and scripts share one set of rules."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def _post_clean(self) -> None:  # the service validates the whole object
        pass

    def service_data(self) -> dict:
        """The parsed values, keyed by model field name, for the service call."""
        return dict(self.cleaned_data)


def choice_label(field: forms.Field, label: Callable[[Any], str]) -> None:
    """Show each choice of a model choice field as ``label(obj)``. Django calls the field's
    ``label_from_instance`` for every choice, and an attribute set on the field overrides that
    method; the stubs only know it as a method."""
    field.label_from_instance = label  # type: ignore[attr-defined]


def show_rows(field: forms.ModelChoiceField, rows: Iterable[Any]) -> None:
    """Render a model choice field's options from ``rows``: records the page has already read,
    the ones (and in the order) its queryset gives, so rendering runs no query of its own. The
    queryset still decides what a submission may choose."""
    label = field.label_from_instance
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = [*empty, *((row.pk, label(row)) for row in rows)]


def date_widgets(*names: str) -> dict:
    return {name: DateInput() for name in names}


class SearchField(forms.CharField):
    """A search term: at most 64 characters, no NUL byte (which PostgreSQL cannot compare)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("搜索"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, validators.ProhibitNullCharactersValidator)
        ]
        self.validators.append(
            validators.ProhibitNullCharactersValidator(message=_("搜索词不能包含空字符(NUL)。"))
        )


SEARCH_FIELD = SearchField()


class ListFilterForm(StyledFormMixin, forms.Form):
    """``?q=`` plus the list's own filters. Choices are scoped, so a filter can only narrow the
    list; an unknown or out-of-scope value is ignored."""

    q = SEARCH_FIELD

    def __init__(self, data=None, *, user, **kwargs):
        self.user = user
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs.update(type="search", placeholder=self.search_placeholder)
        for field in self.fields.values():  # every filter is optional
            field.required = False

    search_placeholder = _("名称、编号")

    def error_text(self) -> str:
        """The filters that could not be read, as one line (for a 400 page)."""
        return ";".join(
            f"{self.fields[name].label}:{text}" for name, texts in self.errors.items() for text in texts
        )

    def values(self) -> dict:
        """The filters that parsed; an invalid one is left out rather than failing the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
