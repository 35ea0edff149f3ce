"""Dispute-case pages, mounted at ``/cases/`` (``app_name = "disputes"``)."""

from django.urls import path

from . import views

app_name = "disputes"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="case-list"),
    path("new/", views.CaseCreateView.as_view(), name="case-create"),
    path("export.xlsx", views.CaseExportView.as_view(), name="case-export"),
    path("mediator-relations/", views.RelationCreateView.as_view(), name="relations"),
    path("agreements/<int:pk>/print/", views.AgreementPrintView.as_view(), name="agreement-print"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("<int:pk>/<slug:action>/", views.CaseActionView.as_view(), name="case-action"),
]
