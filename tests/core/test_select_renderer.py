"""The form renderer builds a ``<select>`` in Python: character for character what Django's
templates give (selected options, groups, empty labels, escaping, boolean attributes), and a
select of many options is no longer a template include per option."""

import pytest
from django import forms
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe

from core.forms import FormRenderer
from disputes.forms import CaseFilterForm, MediatorChoiceField
from governance.models import Mediator, Region


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "请选择"), ("a", "甲镇 · 一村"), ("b", "乙乡 · 三村")])
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("甲镇", [("1", "一村"), ("2", "二村")]), ("乙乡", [("3", "三村 <b>&</b>")])]
    )
    many = forms.MultipleChoiceField(choices=[(str(i), f"第{i}项") for i in range(5)], required=False)
    flagged = forms.ChoiceField(
        choices=[("x", mark_safe("<em>已转义</em>")), ("y", "\"引号\" & '单引号'")],
        widget=forms.Select(
            attrs={"class": "form-select", "disabled": True, "data-x": False, "title": 'a"b'}
        ),
    )
    yes_no = forms.NullBooleanField()


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b", "grouped": "3", "many": ["1", "3"], "flagged": "y", "yes_no": "true"},
        {"plain": "不存在", "grouped": "", "many": [], "flagged": "x", "yes_no": ""},
    ],
)
def test_a_select_renders_as_djangos_templates_render_it(data):
    for name in ("plain", "grouped", "many", "flagged", "yes_no"):
        fast = _Form(data, renderer=FormRenderer())[name]
        django = _Form(data, renderer=DjangoTemplates())[name]
        assert str(fast) == str(django), name
        assert str(fast.as_widget(attrs={"aria-invalid": "true"})) == str(
            django.as_widget(attrs={"aria-invalid": "true"})
        ), name


def test_the_project_renders_forms_with_it():
    assert isinstance(_Form().renderer, FormRenderer)


def test_a_radio_select_is_left_to_the_templates():
    class Radio(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect)

    assert str(Radio(renderer=FormRenderer())["pick"]) == str(Radio(renderer=DjangoTemplates())["pick"])


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", ["", "village", "bad"])
def test_the_case_filters_selects_read_as_values_render_as_the_model_fields_render_them(world, chosen):
    """The case list's village and mediator filters (``ValuesChoiceField``: options from values,
    no model instance per option) give the HTML, the validation and the cleaned value of the
    ``ModelChoiceField`` / ``MediatorChoiceField`` they replace, with no option selected, one
    selected and a value that is not an option."""
    user = world.user("county")
    mediator = Mediator.objects.order_by("pk").first()
    data = {
        "": {},
        "village": {"village": str(world.village_1.pk), "mediator": str(mediator.pk if mediator else "")},
        "bad": {"village": "999999999", "mediator": "abc"},
    }[chosen]
    fast = CaseFilterForm(data or None, user=user)
    plain = CaseFilterForm(data or None, user=user)
    plain.fields["village"] = forms.ModelChoiceField(
        label=plain.fields["village"].label,
        queryset=fast.fields["village"].queryset,
        empty_label=fast.fields["village"].empty_label,
        required=False,
    )
    plain.fields["mediator"] = MediatorChoiceField(
        label=plain.fields["mediator"].label,
        queryset=fast.fields["mediator"].queryset,
        empty_label=fast.fields["mediator"].empty_label,
        required=False,
    )
    for name in ("village", "mediator"):
        plain.fields[name].widget.attrs = dict(fast.fields[name].widget.attrs)
        assert str(fast[name]) == str(plain[name]), name
    assert Region.objects.filter(pk__in=fast.fields["village"].queryset.values("pk")).count() > 1
    assert mediator is not None and f"{mediator.name}({mediator.get_kind_display()})" in str(fast["mediator"])
    assert fast.is_valid() == plain.is_valid()
    assert fast.errors.keys() == plain.errors.keys()
    if chosen == "village":
        assert fast.cleaned_data["village"] == plain.cleaned_data["village"] == world.village_1
    with CaptureQueriesContext(connection) as queries:
        str(CaseFilterForm(None, user=user)["village"])
    assert len(queries) == 1
