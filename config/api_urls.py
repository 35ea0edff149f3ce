"""/api/v1/: one router for every app's viewsets."""

from rest_framework.routers import DefaultRouter

from disputes import api as disputes_api
from disputes.incidents import api as incident_api
from governance import api as governance_api
from governance.points import api as points_api
from patrols import api as patrols_api
from patrols.visits import api as visits_api
from stations import api as stations_api

router = DefaultRouter()
governance_api.register(router)
stations_api.register(router)
disputes_api.register(router)
incident_api.register(router)
patrols_api.register(router)
visits_api.register(router)
points_api.register(router)

urlpatterns = router.urls
