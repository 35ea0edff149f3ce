"""Sign-in, sign-out and the landing page, under un-namespaced names because the settings refer
to them as ``LOGIN_URL = "login"`` and ``LOGIN_REDIRECT_URL = "home"``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
