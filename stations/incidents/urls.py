"""Incident pages, included by ``stations/urls.py`` at ``/stations/incidents/`` (names in the
``stations`` namespace: ``stations:incident-list`` …)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="incident-list"),
    path("new/", views.IncidentCreateView.as_view(), name="incident-create"),
    path("import/", views.IncidentImportView.as_view(), name="incident-import"),
    path("import/template.xlsx", views.ImportTemplateView.as_view(), name="incident-import-template"),
    path("import/<int:pk>/", views.ImportJobView.as_view(), name="import-job"),
    path("<int:pk>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path("<int:pk>/edit/", views.IncidentEditView.as_view(), name="incident-edit"),
    path("<int:pk>/refer/", views.IncidentReferView.as_view(), name="incident-refer"),
    path("<int:pk>/answer/", views.IncidentAnswerView.as_view(), name="incident-answer"),
]
