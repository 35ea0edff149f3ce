"""The tiers' pages under ``/cases/`` (namespace ``tiers``)."""

from django.urls import path

from . import views

app_name = "tiers"

urlpatterns = [
    path("queue/", views.WorkQueueView.as_view(), name="queue"),
    path("duplicates/", views.DuplicateCandidatesView.as_view(), name="duplicates"),
    path("referrals/", views.LiaisonReferralListView.as_view(), name="referral-list"),
    path("referrals/<int:pk>/", views.LiaisonReferralDetailView.as_view(), name="referral-detail"),
    path("<int:pk>/tiers/<slug:action>/", views.TierActionView.as_view(), name="case-action"),
]
