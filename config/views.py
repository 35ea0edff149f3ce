"""Project-level endpoints that belong to no app."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001  (report any failure as a state, never crash the probe)
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}


def _broker_state() -> dict:
    from config.celery import app

    transport = settings.CELERY_BROKER_URL.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": transport, "error": str(exc)[:200]}


def _scheduler_state() -> dict:
    from django_celery_beat.models import PeriodicTask

    try:
        beat = PeriodicTask.objects.filter(task="governance.heartbeat").values("last_run_at").first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}
    last = beat["last_run_at"].isoformat() if beat and beat["last_run_at"] else None
    return {"configured": beat is not None, "last_heartbeat": last}


@never_cache
@require_GET
def healthz(request):
    database = _database_state()
    broker = _broker_state()
    return JsonResponse(
        {
            "status": "ok" if database["ok"] and broker["ok"] else "degraded",
            "database": database,
            "broker": broker,
            "scheduler": _scheduler_state(),
        },
        status=200,
    )
