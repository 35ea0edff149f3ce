"""Query-string filters every API list uses: a record number (``IdFilter``) and a date
(``DateFilter``) parsed within ``core.limits``, so an overflowing number or a date at the
calendar's ends is a 400 with a message from the filter, never an error from the database."""

import django_filters as df

from .limits import BoundedDateField, IdField


class IdFilter(df.NumberFilter):
    field_class = IdField  # type: ignore[assignment]  # an integer, not a decimal


class DateFilter(df.DateFilter):
    field_class = BoundedDateField
