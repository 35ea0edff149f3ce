"""The broker is down: pages and writes keep working, a large incident import is accepted and
queued in the outbox, and when the broker returns the relay publishes it and a real worker runs
it. Real Redis, real worker; the outage is this process publishing to a dead port."""

import os

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import OutboxMessage
from core.outbox import relay
from stations.models import ImportJob, Incident
from tests.conftest import require_service
from tests.stations.incidents.helpers import csv_bytes, row
from tests.workers import Worker, broker_at, new_queue, wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
DEAD_BROKER = "redis://127.0.0.1:1/0"


def test_with_the_broker_down_an_import_is_accepted_and_runs_when_the_broker_returns(
    world, client_for, settings, monkeypatch
):
    queue = new_queue()
    require_service(
        "Redis broker", os.environ.get("REDIS_URL", "").startswith("redis://"), "REDIS_URL is not set"
    )
    settings.INCIDENT_IMPORT_ASYNC_ROWS = 5
    current_app.loader.import_default_modules()
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    task = current_app.tasks["stations.import_incidents"]
    monkeypatch.setattr(task, "queue", queue, raising=False)  # to this test's worker
    monkeypatch.setattr(task, "_exec_options", None, raising=False)  # celery caches the options
    client = client_for("station_a")
    upload = SimpleUploadedFile(
        "export.csv", csv_bytes([row(f"K{i:03d}", address=f"{i}组") for i in range(12)])
    )

    with broker_at(DEAD_BROKER):
        response = client.post(
            reverse("stations:incident-import"), {"station": world.station_a.pk, "file": upload}
        )
        assert response.status_code == 302
        for name in ("stations:incident-list", "stations:incident-import"):
            assert client.get(reverse(name)).status_code == 200
        job = ImportJob.objects.get()
        assert client.get(reverse("stations:import-job", args=[job.pk])).status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING
    message = OutboxMessage.objects.get()
    assert (message.published_at, message.attempts, message.args) == (None, 1, [job.pk])
    assert message.last_error

    # the broker is back; once its back-off has passed the relay (core.outbox_relay, every 30 s
    # from beat) publishes the import, and a worker runs it
    OutboxMessage.objects.update(next_attempt_at=None)
    worker = Worker(queue).start()
    try:
        assert relay() == 1
        wait_for(lambda: ImportJob.objects.get().status == ImportJob.Status.DONE, what="the import to run")
    finally:
        worker.stop()
    assert Incident.objects.filter(number__startswith="K").count() == 12
    assert relay() == 0
    assert OutboxMessage.objects.get().published_at is not None
