"""Pagination of lists too big to count exactly on every page (issue 15).

``LargeListPaginator`` is Django's ``Paginator`` with a cheaper ``count``:
- an unfiltered query on a big PostgreSQL table (a county's whole case list) takes the planner's
  row estimate of the table (``pg_class.reltuples``, kept by autovacuum/ANALYZE) instead of
  ``count(*)`` over every row: ``is_estimate``;
- any other query counts at most ``cap`` rows (``SELECT count(*) FROM (… LIMIT cap + 1)``) and
  says "at least" when there are more: ``is_capped``.
Small lists count exactly, as before. Page numbers keep working: with an approximate count a
page is reached by offset and never cut short by the count (a page past the real end is empty;
"next" is offered after every full page).
``LargeListPagination`` is the same for the API (DRF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

ESTIMATE_FROM_ROWS = 100_000  # below this, an unfiltered list is counted exactly


def table_estimate(model: Any, using: str = "default") -> int | None:
    """The planner's estimate of the rows of ``model``'s table, or None where there is none
    (not PostgreSQL, or never analysed)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


class _Page(Page):
    def has_next(self) -> bool:
        paginator = self.paginator
        if getattr(paginator, "is_approximate", False):  # a full page: there may be more after it
            return len(self.object_list) == paginator.per_page
        return super().has_next()


class LargeListPaginator(Paginator):
    is_estimate = False
    is_capped = False

    def __init__(self, *args: Any, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap if cap is not None else getattr(settings, "LIST_COUNT_CAP", 25_000)

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):  # a list, not a queryset
            return len(self.object_list)
        qs = self.object_list
        query = qs.query
        if not query.where and not query.distinct and not query.combinator:
            estimate = table_estimate(qs.model, qs.db)
            if estimate is not None and estimate >= ESTIMATE_FROM_ROWS:
                self.is_estimate = True
                return estimate
        n = qs.order_by()[: self.cap + 1].count()
        if n > self.cap:
            self.is_capped = True
            return self.cap
        return n

    @property
    def is_approximate(self) -> bool:
        self.count  # noqa: B018  (sets the flags)
        return self.is_estimate or self.is_capped

    def validate_number(self, number: Any) -> int:
        """With an approximate count any page from 1 up is valid (past the real end it is empty):
        the count does not cut the list short."""
        try:
            return super().validate_number(number)
        except EmptyPage:
            if self.is_approximate and int(number) >= 1:
                return int(number)
            raise

    def page(self, number: Any) -> Page:
        if not self.is_approximate:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        return _Page(*args, **kwargs)


class LargeListPagination(PageNumberPagination):
    """The API's page-number pagination with ``LargeListPaginator``'s count (``count`` is then
    the estimate, or the cap)."""

    django_paginator_class = LargeListPaginator
