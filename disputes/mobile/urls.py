"""Phone pages for grid workers, mounted at ``/m/``."""

from django.urls import path

from . import views

app_name = "mobile"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("cases/", views.CaseListView.as_view(), name="cases"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/<slug:action>/", views.CaseActionView.as_view(), name="case-action"),
]
