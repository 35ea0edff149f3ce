from django.urls import include, path

from . import views

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
    path("", include("stations.presence.urls")),
    path("incidents/", include("stations.incidents.urls")),
]
