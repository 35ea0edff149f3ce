import json

import pytest
from django.core.management import call_command

from tests.conftest import require_service


def test_healthz_tells_anonymous_callers_only_the_status(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}


def test_healthz_tells_a_non_staff_user_only_the_status(client_for):
    assert json.loads(client_for("station_a").get("/healthz").content) == {"status": "ok"}


def test_healthz_reports_database_broker_and_scheduler_to_staff(client_for):
    call_command("setup_schedules")
    response = client_for("county").get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["status"] == "ok"
    assert body["scheduler"]["configured"] is True


def test_healthz_needs_no_login_and_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_setup_schedules_is_idempotent_and_keeps_admin_edits(db):
    from django_celery_beat.models import PeriodicTask

    call_command("setup_schedules")
    task = PeriodicTask.objects.get(task="core.heartbeat")
    task.enabled = False
    task.save()
    call_command("setup_schedules")
    assert PeriodicTask.objects.filter(task="core.heartbeat").count() == 1
    assert PeriodicTask.objects.get(task="core.heartbeat").enabled is False


@pytest.mark.services
def test_healthz_reports_a_broken_broker_as_degraded(client_for, settings):
    client = client_for("county")
    from config.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        body = json.loads(client.get("/healthz").content)
    finally:
        app.conf.broker_url = old
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False


@pytest.mark.services
def test_redis_broker_and_cache_answer(settings):
    """With REDIS_URL set (CI, production), the broker and cache are the real Redis."""
    import os

    import redis

    configured = os.environ.get("REDIS_URL")
    url = configured or "redis://127.0.0.1:6379/15"

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        ok, reason = True, ""
    except redis.RedisError as exc:
        ok, reason = False, str(exc)
    require_service("Redis", ok, reason)
    if not configured:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
    else:
        assert settings.CELERY_BROKER_URL == url
    from django.core.cache import caches

    cache = caches.create_connection("default")
    cache.set("healthz-probe", "1", 5)
    assert cache.get("healthz-probe") == "1"


@pytest.mark.services
def test_database_is_postgresql_in_ci(db):
    import os

    from django.db import connection

    require_service(
        "PostgreSQL",
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        "DATABASE_URL does not point at PostgreSQL",
    )
    assert connection.vendor == "postgresql"


def test_a_heartbeat_shows_on_healthz_at_once(client_for):
    from core.tasks import heartbeat

    client = client_for("admin")
    call_command("setup_schedules")
    assert json.loads(client.get("/healthz").content)["scheduler"]["last_heartbeat"] is None
    heartbeat.apply()
    assert json.loads(client.get("/healthz").content)["scheduler"]["last_heartbeat"] is not None
