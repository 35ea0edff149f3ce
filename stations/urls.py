from django.urls import path

from . import incident_views, presence_views, views

app_name = "stations"

urlpatterns = [
    path("", views.StationListView.as_view(), name="station-list"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("<int:pk>/", views.StationDetailView.as_view(), name="station-detail"),
    path("<int:station_pk>/officers/new/", views.OfficerCreateView.as_view(), name="officer-create"),
    path("officers/<int:pk>/edit/", views.OfficerEditView.as_view(), name="officer-edit"),
    path(
        "<int:station_pk>/auxiliary-officers/new/",
        views.AuxiliaryOfficerCreateView.as_view(),
        name="auxiliaryofficer-create",
    ),
    path(
        "auxiliary-officers/<int:pk>/edit/",
        views.AuxiliaryOfficerEditView.as_view(),
        name="auxiliaryofficer-edit",
    ),
    path("assignments/new/", views.AssignmentCreateView.as_view(), name="assignment-create"),
    path("assignments/<int:pk>/end/", views.AssignmentEndView.as_view(), name="assignment-end"),
    path("presence/", presence_views.PresenceView.as_view(), name="presence"),
    path("m/checkin/", presence_views.CheckInView.as_view(), name="checkin"),
    path("incidents/", incident_views.IncidentListView.as_view(), name="incident-list"),
    path("incidents/new/", incident_views.IncidentCreateView.as_view(), name="incident-create"),
    path("incidents/import/", incident_views.IncidentImportView.as_view(), name="incident-import"),
    path(
        "incidents/import/template.xlsx",
        incident_views.ImportTemplateView.as_view(),
        name="incident-import-template",
    ),
    path("incidents/import/<int:pk>/", incident_views.ImportJobView.as_view(), name="import-job"),
    path("incidents/<int:pk>/", incident_views.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<int:pk>/edit/", incident_views.IncidentEditView.as_view(), name="incident-edit"),
    path("incidents/<int:pk>/refer/", incident_views.IncidentReferView.as_view(), name="incident-refer"),
    path("incidents/<int:pk>/answer/", incident_views.IncidentAnswerView.as_view(), name="incident-answer"),
]
