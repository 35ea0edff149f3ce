from django.urls import path

from . import views

app_name = "attachments"

urlpatterns = [
    path("<int:pk>/", views.AttachmentView.as_view(), name="download"),
    path("<int:pk>/thumb/", views.ThumbnailView.as_view(), name="thumbnail"),
    path("add/<str:label>/<int:object_id>/", views.AttachmentAddView.as_view(), name="add"),
]
