"""Presence pages, included by ``stations/urls.py`` under ``/stations/`` (names in the
``stations`` namespace: ``stations:presence``, ``stations:checkin``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("presence/", views.PresenceView.as_view(), name="presence"),
    path("m/checkin/", views.CheckInView.as_view(), name="checkin"),
]
