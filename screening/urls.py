"""Rolling screening pages, mounted at ``/screening/`` (``app_name = "screening"``)."""

from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="round-list"),
    path("m/", views.MobileView.as_view(), name="mobile"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="round-detail"),
    path("<int:pk>/grids/<int:grid>/file/", views.FileReportView.as_view(), name="file-report"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
]
