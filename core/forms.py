"""Form building blocks every app uses.

Forms only parse input into Python values; whether the whole object is valid is decided by the
service the view calls, and its errors come back onto the form through ``core.errors``.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy as _


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
