"""``core.forms.QuickSelect`` writes the same HTML as Django's ``Select`` (the list filters'
selects of hundreds of villages), without one template include per option."""

import pytest
from django import forms

from core.forms import QuickSelect
from disputes.forms import CaseFilterForm
from governance.models import Region

pytestmark = pytest.mark.django_db


def _both(field: forms.ChoiceField, value, attrs=None) -> tuple[str, str]:
    choices = list(field.choices)  # type: ignore[arg-type]  # a list of pairs here
    plain = forms.Select(attrs={"class": "form-select"}, choices=choices)
    quick = QuickSelect(attrs={"class": "form-select"}, choices=choices)
    return plain.render("f", value, attrs), quick.render("f", value, attrs)


@pytest.mark.parametrize("value", [None, "", "b", "nonsense"])
def test_the_same_html_as_djangos_select(value):
    field = forms.ChoiceField(choices=[("", "全部"), ("a", "甲 <村>"), ("b", "乙 & 丙"), ("c", '"引号"')])
    plain, quick = _both(field, value, {"id": "id_f", "disabled": True, "data-x": False})
    assert quick == plain
    assert ("selected" in quick) == (value in ("", "b", None))


def test_model_choices_the_same_and_without_a_count_query(world, django_assert_num_queries):
    field = forms.ModelChoiceField(
        queryset=Region.objects.filter(kind__in=Region.VILLAGE_KINDS).order_by("code")
    )
    chosen = str(world.village_2.pk)
    with django_assert_num_queries(1):  # the options: no count(*) before them
        quick = QuickSelect(choices=field.choices).render("village", chosen)
    assert quick == forms.Select(choices=field.choices).render("village", chosen)
    assert f'<option value="{chosen}" selected>{world.village_2.name}</option>' in quick


def test_grouped_choices_fall_back_to_djangos_templates():
    field = forms.ChoiceField(choices=[("甲组", [("a", "A"), ("b", "B")]), ("c", "C")])
    plain, quick = _both(field, "b")
    assert quick == plain and "<optgroup" in quick


def test_list_filter_forms_use_it_for_their_selects(world):
    form = CaseFilterForm({"village": world.village_1.pk}, user=world.user("county"))
    assert isinstance(form.fields["village"].widget, QuickSelect)
    assert f'<option value="{world.village_1.pk}" selected>' in str(form["village"])
