"""Incident → case page, mounted at ``/cases/from-incident/``."""

from django.urls import path

from . import views

app_name = "incident-cases"

urlpatterns = [
    path("<int:pk>/", views.CaseFromIncidentView.as_view(), name="case-from-incident"),
]
