"""Small helpers for the set-based writes of batch jobs: ``INSERT … SELECT`` of a queryset, and a
translated message text as a SQL expression (so thousands of notices are written by one
statement, not built one Python object at a time). PostgreSQL and SQLite alike."""

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Lookup, QuerySet

_MARK = "\x00"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
_MARKED = re.compile(f"{_MARK}(\\w+){_MARK}")


class Among(Lookup):
    """``field__among=[…]``: ``field IN (…)`` for a list of values, sent to PostgreSQL as one
    array (``= ANY(%s)``). A set-based job's chunk names thousands of ids: as ``IN (%s, …)`` each
    statement carried thousands of parameters, which the driver parsed on every execution (a
    third of the overdue escalation's time at 2 M cases). Registered on every field
    and foreign key (``CoreConfig.ready``)."""

    lookup_name = "among"

    def get_prep_lookup(self) -> list[Any]:
        return [self.lhs.output_field.get_prep_value(v) for v in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        if connection.vendor == "postgresql":
            target = field.target_field if field.is_relation else field
            return f"{lhs} = ANY(%s::{target.rel_db_type(connection)}[])", [*lhs_params, values]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def insert_select(table: str, columns: list[str], qs: QuerySet) -> int:
    """``INSERT INTO table (columns) SELECT …`` of a values-queryset (its columns in order, and a
    ``WHERE``: SQLite would read ``ON CONFLICT`` as a join constraint); rows that conflict with a
    unique constraint are skipped. Returns how many were inserted."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) {sql} ON CONFLICT DO NOTHING",  # noqa: S608
            params,
        )
        return cursor.rowcount


def insert_rows(
    table: str,
    columns: list[str],
    select_sql: str,
    params: list[Any],
    *,
    with_sql: str = "",
    with_params: list[Any] | None = None,
) -> int:
    """``INSERT INTO table (columns)`` the rows of ``select_sql`` (constant text: table names and
    fixed SQL; every value a parameter), skipping conflicts, after ``with_sql`` (a ``WITH``, its
    parameters ``with_params``) if given. Returns how many were inserted."""
    with connection.cursor() as cursor:
        cursor.execute(
            # ``WHERE TRUE``: SQLite would read ``ON CONFLICT`` as the join constraint of the SELECT
            f"{with_sql} INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM ({select_sql}) s "  # noqa: S608
            "WHERE TRUE ON CONFLICT DO NOTHING",
            [*(with_params or []), *params],
        )
        return cursor.rowcount


def insert_values(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``bulk_create`` of ``rows`` (values of ``fields``, in order) without a model instance per
    row: on PostgreSQL one ``INSERT … SELECT FROM unnest(…)`` of a parameter per column (its
    values as an array; a JSON field's as their text, parsed once by the server), the rows
    inserted in their order; elsewhere ``bulk_create``. For a set-based job's thousands of rows
    (their timeline events: building and compiling instances was most of the job's Python)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=2000
        )
        return
    columns, casts, arrays = [], [], []
    for i, name in enumerate(fields):
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        values = [row[i] for row in rows]
        if isinstance(field, models.JSONField):
            arrays.append([json.dumps(v, cls=field.encoder) for v in values])
            casts.append("%s::text[]::jsonb[]")
        else:
            arrays.append([field.get_db_prep_value(v, connection) for v in values])
            casts.append(f"%s::{field.db_type(connection)}[]")
        columns.append(field.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)})"  # noqa: S608  (table, column names)
            f" SELECT * FROM unnest({', '.join(casts)})",
            arrays,
        )


def text_sql(
    template: str, *, columns: Mapping[str, str | tuple[str, list]], values: dict[str, Any] | None = None
) -> tuple[str, list]:
    """``template % {**values, **columns}`` as a SQL text expression: ``template`` is the message
    as gettext gives it (the translation may put its placeholders in any order), ``values`` fill
    the placeholders that are the same for every row, and each of ``columns`` is a SQL text
    expression filling its placeholder per row (``%(n)d`` too: give the number cast to text), or
    an expression and its parameters.
    Returns the expression (a concatenation; the literal parts are parameters) and its
    parameters."""
    marked = _PLACEHOLDER.sub(
        lambda m: f"{_MARK}{m.group(1)}{_MARK}" if m.group(1) in columns else m.group(0), template
    )
    text = marked % (values or {})
    parts: list[str] = []
    params: list[Any] = []
    for i, piece in enumerate(_MARKED.split(text)):
        if i % 2:
            column = columns[piece]
            sql, column_params = (column, list[Any]()) if isinstance(column, str) else column
            parts.append(f"({sql})")
            params.extend(column_params)
        elif piece:
            parts.append("%s")
            params.append(piece)
    return (" || ".join(parts) if parts else "''"), params


def label_sql(column: str, choices: list[tuple[str, Any]]) -> tuple[str, list]:
    """A choice column as its label (translated now, as ``get_FOO_display`` would), for
    ``text_sql``: ``CASE column WHEN %s THEN %s … ELSE column END`` and its parameters."""
    whens = " ".join("WHEN %s THEN %s" for _choice in choices)
    return f"CASE {column} {whens} ELSE {column} END", [str(x) for pair in choices for x in pair]


def as_text(column: str) -> str:
    """A column as text, for ``text_sql`` (an id, a score)."""
    return f"CAST({column} AS TEXT)"
