"""Run scheduled jobs once, now, in this process (``--all``: every job in PERIODIC_TASKS).

Used by ``make run`` after loading the demo county, so the first page already shows risk levels
and reminders, and by operators to re-run a sweep by hand. Jobs are idempotent: running one
again does no harm. Every job named runs even when one before it fails; the failures are
reported together at the end, and the command then exits non-zero."""

from celery import current_app as app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "立即在本进程运行定时任务(幂等,可重复运行)"

    def add_arguments(self, parser):
        parser.add_argument("tasks", nargs="*", help="任务名,如 disputes.case_sweeps")
        parser.add_argument("--all", action="store_true", help="运行 PERIODIC_TASKS 中的全部任务")

    def handle(self, *args, tasks, all, **options):
        app.loader.import_default_modules()
        names = list(tasks)
        if all:
            names += [spec["task"] for spec in settings.PERIODIC_TASKS.values() if spec["task"] not in names]
        if not names:
            raise CommandError("请指定任务名,或使用 --all。")
        unknown = [name for name in names if name not in app.tasks]
        if unknown:
            raise CommandError(f"未知任务:{', '.join(unknown)}")
        failures: list[tuple[str, object]] = []
        # a job's retries (core.jobs) run here at once, one after the other, until they succeed
        # or give up: the job's failure is then reported, not raised
        propagates = app.conf.task_eager_propagates
        app.conf.task_eager_propagates = False
        try:
            self._run(names, failures)
        finally:
            app.conf.task_eager_propagates = propagates
        if failures:
            summary = "; ".join(f"{name}: {outcome!r}" for name, outcome in failures)
            raise CommandError(f"{len(failures)}/{len(names)} 个任务失败:{summary}")

    def _run(self, names: list[str], failures: list[tuple[str, object]]) -> None:
        for name in names:  # every job runs, whatever the jobs before it did
            try:
                result = app.tasks[name].apply()
                outcome, failed = result.result, result.failed()
            except Exception as exc:  # noqa: BLE001 - reported with the others at the end
                outcome, failed = exc, True
            if failed:
                failures.append((name, outcome))
                self.stderr.write(f"{name}: 失败 {outcome!r}")
            else:
                self.stdout.write(f"{name}: {outcome}")
