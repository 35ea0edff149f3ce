"""``python manage.py seed_scale --cases N [--grids M] [--counties K] [--years Y]``: grow the demo
data to prefecture scale for the benchmark (``make bench``), set-based on PostgreSQL
(``demo.scale``). Loads the demo county first if the database has none. PostgreSQL only: on
SQLite it refuses with a message (the row-by-row alternative would take hours at this size)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from demo.scale import Seeder
from governance.models import Region


class Command(BaseCommand):
    help = "按比例批量扩充演示数据(案件、当事人、时间线、风险评估、警情、签到、巡逻、排查报告),仅支持 PostgreSQL。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=100_000, help="新增案件数")
        parser.add_argument(
            "--grids", type=int, default=0, help="网格总数(默认:现有网格数与案件数÷100 中较大者)"
        )
        parser.add_argument("--counties", type=int, default=1, help="县的总数(不足时新建示范县)")
        parser.add_argument("--years", type=int, default=5, help="案件与警情分布的年数")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_scale 只支持 PostgreSQL(按集合批量写入)。请设置 DATABASE_URL=postgres://… 后再运行;"
                "SQLite 请使用 seed_demo。"
            )
        if options["cases"] < 0 or options["grids"] < 0 or options["counties"] < 1 or options["years"] < 1:
            raise CommandError("参数须为正数。")
        if not Region.objects.filter(kind=Region.Kind.COUNTY).exists():
            call_command("seed_demo", stdout=self.stdout)
        start = time.monotonic()
        grids = options["grids"] or max(options["cases"] // 100, 0)
        seeder = Seeder(
            cases=options["cases"],
            grids=grids,
            counties=options["counties"],
            years=options["years"],
            log=self.stdout.write,
        )
        counts = seeder.run()
        detail = "、".join(f"{name} {n}" for name, n in counts.items() if n)
        self.stdout.write(
            self.style.SUCCESS(f"扩充完成,用时 {time.monotonic() - start:.0f} 秒:{detail or '无新增'}。")
        )
