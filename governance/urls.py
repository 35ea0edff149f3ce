from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("villages/", views.VillageListView.as_view(), name="village-list"),
    path("villages/<int:pk>/", views.VillageDetailView.as_view(), name="village-detail"),
    path("villages/<int:pk>/edit/", views.VillageEditView.as_view(), name="village-edit"),
    path("grids/", views.GridListView.as_view(), name="grid-list"),
    path("grids/new/", views.GridCreateView.as_view(), name="grid-create"),
    path("grids/<int:pk>/", views.GridDetailView.as_view(), name="grid-detail"),
    path("grids/<int:pk>/edit/", views.GridEditView.as_view(), name="grid-edit"),
    path("grid-workers/", views.GridWorkerListView.as_view(), name="gridworker-list"),
    path("grid-workers/new/", views.GridWorkerCreateView.as_view(), name="gridworker-create"),
    path("grid-workers/<int:pk>/", views.GridWorkerDetailView.as_view(), name="gridworker-detail"),
    path("grid-workers/<int:pk>/edit/", views.GridWorkerEditView.as_view(), name="gridworker-edit"),
    path("mediators/", views.MediatorListView.as_view(), name="mediator-list"),
    path("mediators/new/", views.MediatorCreateView.as_view(), name="mediator-create"),
    path("mediators/<int:pk>/", views.MediatorDetailView.as_view(), name="mediator-detail"),
    path("mediators/<int:pk>/edit/", views.MediatorEditView.as_view(), name="mediator-edit"),
    path("committees/", views.CommitteeListView.as_view(), name="committee-list"),
    path("committees/new/", views.CommitteeCreateView.as_view(), name="committee-create"),
    path("committees/<int:pk>/", views.CommitteeDetailView.as_view(), name="committee-detail"),
    path("committees/<int:pk>/edit/", views.CommitteeEditView.as_view(), name="committee-edit"),
    path(
        "committees/<int:pk>/members/new/",
        views.CommitteeMemberCreateView.as_view(),
        name="committeemember-create",
    ),
    path(
        "committee-members/<int:pk>/edit/",
        views.CommitteeMemberEditView.as_view(),
        name="committeemember-edit",
    ),
    path("volunteer-teams/", views.VolunteerTeamListView.as_view(), name="volunteerteam-list"),
    path("volunteer-teams/new/", views.VolunteerTeamCreateView.as_view(), name="volunteerteam-create"),
    path("volunteer-teams/<int:pk>/", views.VolunteerTeamDetailView.as_view(), name="volunteerteam-detail"),
    path("volunteer-teams/<int:pk>/edit/", views.VolunteerTeamEditView.as_view(), name="volunteerteam-edit"),
    path(
        "volunteer-teams/<int:pk>/members/new/",
        views.VolunteerMemberCreateView.as_view(),
        name="volunteermember-create",
    ),
    path("personal-data/log/", views.PersonalDataLogView.as_view(), name="personal-data-log"),
]
