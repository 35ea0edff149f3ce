"""Export jobs, mounted at ``/exports/``."""

from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("<int:pk>/", views.ExportJobView.as_view(), name="job"),
    path("<int:pk>/download/", views.ExportDownloadView.as_view(), name="download"),
    path("<int:pk>/rerun/", views.ExportRerunView.as_view(), name="rerun"),
]
