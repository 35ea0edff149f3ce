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

A page after the first is read in two steps in one query (a "deferred join"): the ids of the
page, ``id IN (SELECT id … ORDER BY … LIMIT n OFFSET k)``, and then only those rows with their
joins. The inner query reads nothing but the columns of the order and the scope, which an index
holds (PostgreSQL: an index-only scan), so page 1,000 no longer fetches and joins the 20,000
rows before it from the table. The rows and their order are those of the plain OFFSET query.
``LargeListPagination`` is the same for the API (DRF); its answer says whether ``count`` is
approximate (``count_approximate``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

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


def window(rows: Any, bottom: int, top: int) -> Any:
    """``rows[bottom:top]``; for a queryset past its first rows, the same rows found by their ids
    first (``id IN (the ordered ids, sliced)``, ordered as ``rows``), which an index can answer
    without reading the rows skipped. For a query with one row per object (the case lists:
    their filters on related rows are ``EXISTS``); a ``distinct``, combined (union) or already
    sliced query is sliced as is."""
    if not isinstance(rows, QuerySet) or bottom == 0 or top <= bottom:
        return rows[bottom:top]
    if rows.query.distinct or rows.query.combinator or rows.query.is_sliced:
        return rows[bottom:top]
    return rows.filter(pk__in=rows.values("pk")[bottom:top])


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
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.is_approximate and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(window(self.object_list, bottom, top), number, self)

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        return _Page(*args, **kwargs)


class LargeListPagination(PageNumberPagination):
    """The API's page-number pagination with ``LargeListPaginator``'s count and pages: ``count``
    is then the estimate, or the cap, and ``count_approximate`` says so (as the page's 约数 and
    至少 do)."""

    django_paginator_class = LargeListPaginator

    def get_paginated_response(self, data: Any) -> Response:
        paginator = self.page.paginator  # type: ignore[union-attr]  # set by paginate_queryset
        return Response(
            {
                "count": paginator.count,
                "count_approximate": getattr(paginator, "is_approximate", False),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        schema = super().get_paginated_response_schema(schema)
        schema["required"] = [*schema["required"], "count_approximate"]
        schema["properties"] = {
            "count": schema["properties"]["count"],
            "count_approximate": {"type": "boolean"},  # the table's estimate, or the cap ("at least")
            **schema["properties"],
        }
        return schema
