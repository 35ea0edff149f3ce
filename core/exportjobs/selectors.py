"""A job is its requester's alone: anyone else, whatever their role, gets a 404."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import ExportJob


def export_job_list(*, user: Any) -> QuerySet[ExportJob]:
    if not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user)


def export_job_get(*, user: Any, pk: int | str) -> ExportJob:
    return get_object_or_404(export_job_list(user=user), pk=pk)
