"""/api/v1/: one router for every app's viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from disputes import api as disputes_api
from disputes.incidents import api as incident_api
from disputes.tiers import api as tiers_api
from governance import api as governance_api
from governance.points import api as points_api
from patrols import api as patrols_api
from patrols.visits import api as visits_api
from stations import api as stations_api

router = DefaultRouter()
governance_api.register(router)
stations_api.register(router)
disputes_api.register(router)
tiers_api.register(router)
incident_api.register(router)
patrols_api.register(router)
visits_api.register(router)
points_api.register(router)

urlpatterns = [
    path("duplicate-candidates/", tiers_api.DuplicateCandidatesView.as_view(), name="duplicate-candidates"),
    path("work-queue/", tiers_api.WorkQueueView.as_view(), name="work-queue"),
    *router.urls,
]
