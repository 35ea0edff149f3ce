"""``python manage.py seed_demo``: load the demo county (峨边彝族自治县) and one account per role.

Deterministic and idempotent: the data comes from a fixed seed (``demo.plan``), and rows that
already exist under their natural key are left alone (``demo.seeding``), so a second run
creates nothing. Everything is written in one transaction.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from demo.cases import seed_cases
from demo.field import seed_field
from demo.plan import PASSWORD, build_plan
from demo.points import seed_points
from demo.screening import seed_screening
from demo.seeding import seed
from demo.visits import seed_risk_visits
from disputes.models import OPEN_STATUSES, DisputeCase
from disputes.summary.store import summary_rebuild
from governance.models import (
    CommitteeMember,
    Grid,
    GridWorker,
    Mediator,
    Region,
    SecurityCommittee,
    VolunteerMember,
    VolunteerTeam,
)
from stations.models import AuxiliaryOfficer, Officer, Station, VillageAssignment


class Command(BaseCommand):
    help = "载入演示数据:峨边彝族自治县的乡镇、村(社区)、网格、派出所、调解员、治保会、群防群治队伍及各角色演示账号。"

    def handle(self, *args, **options) -> None:
        plan = build_plan()
        with transaction.atomic():
            created = seed(plan)
        with transaction.atomic():
            created.update(seed_cases())
            created.update(seed_field())
            created.update(seed_points())
            # the cases were back-dated in bulk after the services wrote them: their monthly figures now
            summary_rebuild()
        with transaction.atomic():
            created.update(seed_screening())
        with transaction.atomic():
            created.update(seed_risk_visits())
        total = sum(created.values())
        self.stdout.write(self._summary())
        if total:
            detail = "、".join(f"{name} {n}" for name, n in created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"本次新增 {total} 条记录:{detail}。"))
        else:
            self.stdout.write(self.style.SUCCESS("演示数据已存在,本次未做任何更改。"))
        self.stdout.write(f"演示账号(密码均为 {PASSWORD}):")
        for account in plan.accounts:
            self.stdout.write(f"  {account['username']:<15} {account['full_name']}({account['scope']})")

    def _summary(self) -> str:
        kinds = dict.fromkeys(Region.Kind.values, 0)
        for kind in Region.objects.values_list("kind", flat=True):
            kinds[kind] += 1
        mediators = dict.fromkeys(Mediator.Kind.values, 0)
        for kind in Mediator.objects.values_list("kind", flat=True):
            mediators[kind] += 1
        workers = GridWorker.objects.filter(is_active=True)
        current = VillageAssignment.objects.filter(end_date__isnull=True)
        lines = [
            "演示数据(峨边彝族自治县):",
            f"  行政区划:县 {kinds['county']},乡镇 {kinds['township'] + kinds['subdistrict']},"
            f"行政村 {kinds['village']},社区 {kinds['community']}",
            f"  派出所 {Station.objects.count()},民警 {Officer.objects.count()},辅警 {AuxiliaryOfficer.objects.count()},"
            f"在岗挂村民警安排 {current.filter(kind='officer').count()},"
            f"在岗驻村辅警安排 {current.filter(kind='auxiliary').count()}",
            f"  网格 {Grid.objects.count()},网格员 {workers.count()}(网格长 {workers.filter(role='leader').count()})",
            f"  调解员 {sum(mediators.values())}(德古 {mediators['degu']},人民调解员 {mediators['people']},"
            f"律师 {mediators['lawyer']})",
            f"  治保会 {SecurityCommittee.objects.count()},成员 {CommitteeMember.objects.count()}",
            f"  群防群治队伍 {VolunteerTeam.objects.count()},队员 {VolunteerMember.objects.count()}",
            f"  矛盾纠纷 {DisputeCase.objects.count()}(在办 {DisputeCase.objects.filter(status__in=OPEN_STATUSES).count()})",
        ]
        return "\n".join(lines)
