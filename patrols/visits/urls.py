"""The risk → visit loop, mounted at ``/visits/``."""

from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.VisitListView.as_view(), name="list"),
    path("m/", views.MobileVisitListView.as_view(), name="mobile"),
    path("<int:pk>/", views.VisitDetailView.as_view(), name="detail"),
    path("<int:pk>/check-in/", views.VisitCheckInView.as_view(), name="check-in"),
]
