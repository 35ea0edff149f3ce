"""/api/v1/: one router for every app's viewsets."""

from rest_framework.routers import DefaultRouter

from governance import api as governance_api
from stations import api as stations_api

router = DefaultRouter()
governance_api.register(router)
stations_api.register(router)

urlpatterns = router.urls
