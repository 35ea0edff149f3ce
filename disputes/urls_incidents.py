"""Incident → case page, mounted at ``/cases/from-incident/``."""

from django.urls import path

from . import incident_views

app_name = "incident-cases"

urlpatterns = [
    path("<int:pk>/", incident_views.CaseFromIncidentView.as_view(), name="case-from-incident"),
]
