"""The form renderer builds a ``<select>`` in Python: character for character what Django's
templates give (selected options, groups, empty labels, escaping, boolean attributes), and a
select of many options is no longer a template include per option."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from core.forms import FormRenderer


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
