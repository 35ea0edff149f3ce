"""Points pages, mounted at ``/points/`` (``app_name = "points"``)."""

from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.RankingView.as_view(), name="ranking"),
    path("person/<str:kind>/<int:pk>/", views.PersonView.as_view(), name="person"),
    path("person/<str:kind>/<int:pk>/award/", views.ManualAwardView.as_view(), name="award"),
]
