"""Small translation helpers shared by the apps.

Chinese runs the items of a list together with "、"; English wants ", ". The separator is one
catalogue entry (context "list separator"), used here and in templates as
``{% translate "、" context "list separator" %}``."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def list_separator() -> str:
    return pgettext("list separator", "、")


def join_list(items: Iterable) -> str:
    return list_separator().join(str(item) for item in items)
