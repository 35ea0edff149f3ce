"""Phone pages for grid workers, mounted at ``/m/``."""

from django.urls import path

from . import mobile

app_name = "mobile"

urlpatterns = [
    path("", mobile.HomeView.as_view(), name="home"),
    path("report/", mobile.ReportView.as_view(), name="report"),
    path("cases/", mobile.CaseListView.as_view(), name="cases"),
    path("cases/<int:pk>/", mobile.CaseDetailView.as_view(), name="case-detail"),
]
