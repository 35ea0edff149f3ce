"""Create the periodic tasks of settings.PERIODIC_TASKS in django-celery-beat's tables.

Idempotent and respectful of the admin: a task that already exists keeps whatever schedule an
operator gave it there (only its task path follows when the code moved it); missing ones are
created."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


class Command(BaseCommand):
    help = "创建定时任务(已存在的保持管理员设置不变)"

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for name, spec in settings.PERIODIC_TASKS.items():
            existing = PeriodicTask.objects.filter(name=name)
            if existing.exists():
                # the schedule stays as the operator left it; only a moved task's path follows
                existing.exclude(task=spec["task"]).update(task=spec["task"])
                continue
            kwargs = {"name": name, "task": spec["task"], "description": spec.get("description", "")}
            if "every_seconds" in spec:
                kwargs["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=spec["every_seconds"], period=IntervalSchedule.SECONDS
                )
            else:
                minute, hour, day_of_month, month_of_year, day_of_week = spec["crontab"].split()
                kwargs["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=minute,
                    hour=hour,
                    day_of_month=day_of_month,
                    month_of_year=month_of_year,
                    day_of_week=day_of_week,
                    timezone=settings.TIME_ZONE,
                )
            PeriodicTask.objects.create(**kwargs)
            created += 1
        self.stdout.write(f"定时任务:新建 {created} 个,共 {PeriodicTask.objects.count()} 个。")
