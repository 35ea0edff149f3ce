"""Background exports (``core.exportjobs``) of the case ledger: a large ledger becomes a job, the
task writes exactly the cases of the list for the same filters (masked) in chunks with its
progress, the file is its requester's alone, kept for a while and then deleted, a failure says
so in Chinese and the job can be run again (the file rewritten from scratch)."""

import dataclasses
import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook

from core.errors import DomainError
from core.exportjobs import registry, services
from core.exportjobs.models import ExportJob
from core.models import OutboxMessage
from disputes import exports, forms, selectors
from disputes.exports import EXPORT_KIND

from ..disputes.helpers import report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXPORT_ASYNC_ROWS = 2


def rows_of(job: ExportJob) -> list[list]:
    with default_storage.open(job.file.name, "rb") as handle:
        wb = load_workbook(io.BytesIO(handle.read()))
    return [list(r) for r in wb["矛盾纠纷排查化解台账"].iter_rows(values_only=True)][1:]


def listed(world, actor: str, query: str) -> list[str]:
    """The case numbers of the list page for the same filters, in its order."""
    user = world.user(actor)
    form = forms.CaseFilterForm(QueryDict(query) or None, user=user)
    return [c.number for c in selectors.case_list(user=user, filters=form.values())]


def start(world, query: str = "", actor: str = "station_a") -> ExportJob:
    return services.export_start(actor=world.user(actor), kind=EXPORT_KIND, query=query)


def test_a_large_ledger_becomes_a_job_and_its_page_shows_the_download(
    world, client_for, django_capture_on_commit_callbacks
):
    for _ in range(3):
        report(world)
    client = client_for("station_a")
    with django_capture_on_commit_callbacks(execute=True):  # the outbox relay runs the task (eager)
        response = client.post(reverse("disputes:case-export") + "?status=reported")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.requested_by == world.user("station_a") and job.kind == EXPORT_KIND
    assert job.query == "status=reported" and job.status == ExportJob.Status.DONE
    page = client.get(response["Location"]).content.decode()
    assert "下载文件" in page and reverse("exports:download", args=[job.pk]) in page
    status = client.get(response["Location"], {"format": "json"}).json()
    assert status["finished"] and status["percent"] == 100 and status["done"] == status["total"] == 3
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    assert "attachment" in download["Content-Disposition"]
    assert len(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active["A"]) == 4


def test_a_small_ledger_stays_immediate_and_a_get_never_queues(world, client_for):
    report(world)
    report(world)  # two cases: at the threshold
    client = client_for("station_a")
    response = client.post(reverse("disputes:case-export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    report(world)
    offer = client.get(reverse("disputes:case-export"), {"category": "neighbour"})
    assert offer.status_code == 200 and "在后台生成台账" in offer.content.decode()
    assert 'action="/cases/export.xlsx?category=neighbour"' in offer.content.decode()
    assert not ExportJob.objects.exists() and not OutboxMessage.objects.exists()


def test_the_task_writes_exactly_the_list_for_the_same_filters_masked(world):
    neighbour = [report(world) for _ in range(3)]
    debt = [report(world, village=world.village_2, category="labour_debt") for _ in range(2)]
    report(world, "station_b", village=world.village_3, category="labour_debt")  # out of scope
    for query, expected in (("category=labour_debt", debt), ("", debt + neighbour)):
        job = services.export_run(job_id=start(world, query).pk)
        rows = rows_of(job)
        assert [r[1] for r in rows] == listed(world, "station_a", query)
        assert {r[1] for r in rows} == {c.number for c in expected}
        assert job.done == job.total == len(expected)
    phones = [p.phone for c in neighbour for p in c.parties.all() if p.phone]
    flat = "".join(str(v) for r in rows for v in r if v is not None)
    assert phones and not any(phone in flat for phone in phones)  # masked, as every export


def test_progress_is_reported_in_chunks_and_reaches_the_total(world, monkeypatch):
    for _ in range(5):
        report(world)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen: list[tuple[int, int]] = []
    real = services.ExportJob.objects.filter

    def spy(*args, **kwargs):
        qs = real(*args, **kwargs)
        original = qs.update

        def update(**fields):
            if set(fields) == {"done"}:
                seen.append((fields["done"], ExportJob.objects.get(pk=kwargs["pk"]).total))
            return original(**fields)

        qs.update = update
        return qs

    job = start(world)
    monkeypatch.setattr(services.ExportJob.objects, "filter", spy)
    services.export_run(job_id=job.pk)
    assert seen == [(2, 5), (4, 5), (5, 5)]
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.done == job.total == 5 and job.percent == 100


def test_a_job_is_its_requesters_alone(world, client_for):
    report(world)
    job = services.export_run(job_id=start(world).pk)
    for actor in ("county", "admin", "station_b", "aux_v1"):
        client = client_for(actor)
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
        assert client.get(reverse("exports:job", args=[job.pk]), {"format": "json"}).status_code == 404
        assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
        assert client.post(reverse("exports:rerun", args=[job.pk])).status_code == 404
    assert client_for("station_a").get(reverse("exports:download", args=[job.pk])).status_code == 200


def test_files_expire_and_are_deleted_by_the_cleanup(world, client_for, settings):
    report(world)
    job = services.export_run(job_id=start(world).pk)
    kept = services.export_run(job_id=start(world).pk)
    ExportJob.objects.filter(pk=kept.pk).update(expires_at=job.expires_at + dt.timedelta(hours=2))
    assert default_storage.exists(job.file.name)
    client = client_for("station_a")
    assert services.exports_expire(now=job.expires_at - dt.timedelta(minutes=1)) == 0
    assert services.exports_expire(now=job.expires_at + dt.timedelta(minutes=1)) == 1
    assert not default_storage.exists(job.file.name)
    job.refresh_from_db()
    kept.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not job.file
    assert kept.status == ExportJob.Status.DONE and default_storage.exists(kept.file.name)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    assert "已过期" in client.get(reverse("exports:job", args=[job.pk])).content.decode()
    # an expired ledger is exported again with the same filters
    assert services.export_rerun(actor=world.user("station_a"), job=job).status == ExportJob.Status.PENDING
    assert services.export_run(job_id=job.pk).status == ExportJob.Status.DONE
    # the cleanup is on the beat schedule
    assert "core.exports_expire" in {spec["task"] for spec in settings.PERIODIC_TASKS.values()}


@pytest.mark.parametrize("query", ["status=bogus", "village=999999", "date_from=yesterday"])
def test_filters_that_cannot_be_read_are_refused_and_write_nothing(world, client_for, query):
    report(world)
    with pytest.raises(DomainError):
        start(world, query)
    response = client_for("station_a").post(reverse("disputes:case-export") + "?" + query)
    assert response.status_code == 400
    assert not ExportJob.objects.exists() and not OutboxMessage.objects.exists()


def test_a_failure_is_said_in_chinese_and_the_job_runs_again(
    world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    report(world)
    job = start(world)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    entry = registry.REGISTRY[EXPORT_KIND]
    monkeypatch.setitem(registry.REGISTRY, EXPORT_KIND, dataclasses.replace(entry, write=broken))
    failed = services.export_run(job_id=job.pk)
    assert failed.status == ExportJob.Status.FAILED and not failed.file
    assert failed.error.startswith("导出失败") and "disk full" not in failed.error
    client = client_for("station_a")
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert failed.error in page and "重新导出" in page
    monkeypatch.setitem(registry.REGISTRY, EXPORT_KIND, entry)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports:rerun", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and len(rows_of(job)) == 1  # eager: run at once


def test_a_crashed_workers_job_is_run_again_from_scratch(world):
    for _ in range(3):
        report(world)
    job = start(world)
    # the worker died mid-run: the job says running, a partial file lies under its key
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, done=1, total=3)
    default_storage.save(f"exports/{job.pk}/cases-ledger.xlsx", io.BytesIO(b"partial"))
    done = services.export_run(job_id=job.pk)  # the redelivered task
    assert done.status == ExportJob.Status.DONE and done.file.name == f"exports/{job.pk}/cases-ledger.xlsx"
    assert len(rows_of(done)) == 3 and done.done == 3
    assert services.export_run(job_id=job.pk) is None  # a finished job is left alone
    # one that no worker will finish is failed by the cleanup and may be run again
    stuck = start(world)
    ExportJob.objects.filter(pk=stuck.pk).update(
        status=ExportJob.Status.RUNNING, started_at=stuck.created_at - dt.timedelta(hours=2)
    )
    stuck.refresh_from_db()
    assert services.may_rerun(stuck)
    services.exports_expire()
    stuck.refresh_from_db()
    assert stuck.status == ExportJob.Status.FAILED and "重新导出" in stuck.error


def test_a_running_job_is_not_run_twice_by_the_button(world, client_for):
    report(world)
    job = start(world)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    response = client_for("station_a").post(reverse("exports:rerun", args=[job.pk]), follow=True)
    assert "无需重新导出" in response.content.decode()
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.RUNNING
