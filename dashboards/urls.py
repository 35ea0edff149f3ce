from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.DashboardHome.as_view(), name="home"),
    path("<str:kind>/<int:pk>/", views.AreaDashboard.as_view(), name="area"),
    path("<str:kind>/<int:pk>/figures/", views.FiguresPartial.as_view(), name="area-figures"),
    path("<str:kind>/<int:pk>/trend.json", views.TrendJson.as_view(), name="area-trend"),
    path("<str:kind>/<int:pk>/map.json", views.MapJson.as_view(), name="area-map"),
    path("<str:kind>/<int:pk>/export.xlsx", views.ExportXlsx.as_view(), name="area-export"),
    path("<str:kind>/<int:pk>/report/", views.MonthlyReport.as_view(), name="area-report"),
]
