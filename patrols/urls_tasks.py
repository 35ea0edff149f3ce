"""The risk → visit loop, mounted at ``/visit-tasks/``."""

from django.urls import path

from . import task_views

app_name = "visit_tasks"

urlpatterns = [
    path("", task_views.TaskListView.as_view(), name="list"),
    path("m/", task_views.MobileTaskListView.as_view(), name="mobile"),
    path("<int:pk>/", task_views.TaskDetailView.as_view(), name="detail"),
    path("<int:pk>/check-in/", task_views.GridCheckInView.as_view(), name="check-in"),
]
