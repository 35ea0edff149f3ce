"""The inbox's routes (mounted at /inbox/)."""

from django.urls import path

from .inbox import InboxView, MarkReadView

app_name = "inbox"
urlpatterns = [
    path("", InboxView.as_view(), name="list"),
    path("read/", MarkReadView.as_view(), name="read-all"),
    path("<int:pk>/read/", MarkReadView.as_view(), name="read"),
]
