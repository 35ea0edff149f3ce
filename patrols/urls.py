from django.urls import path

from . import views

app_name = "patrols"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan-list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path("plans/<int:pk>/start/", views.PatrolStartView.as_view(), name="patrol-start"),
    path("<int:pk>/", views.PatrolDetailView.as_view(), name="patrol-detail"),
    path("<int:pk>/m/", views.PatrolMobileView.as_view(), name="patrol-mobile"),
    path("<int:pk>/check-in/", views.PatrolCheckInView.as_view(), name="patrol-checkin"),
    path("<int:pk>/attendance/", views.PatrolAttendanceView.as_view(), name="patrol-attendance"),
    path("<int:pk>/attend/", views.PatrolAttendSelfView.as_view(), name="patrol-attend"),
    path("<int:pk>/end/", views.PatrolEndView.as_view(), name="patrol-end"),
    path("findings/<int:pk>/to-case/", views.FindingToCaseView.as_view(), name="finding-to-case"),
    path("findings/<int:pk>/to-incident/", views.FindingToIncidentView.as_view(), name="finding-to-incident"),
]
