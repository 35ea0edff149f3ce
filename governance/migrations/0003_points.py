"""The points ledger (积分台账) and its rules, with the default rules (以绩定星)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# code, name, points, applies to, description
DEFAULT_RULES = [
    ("dispute.reported", "上报矛盾纠纷", 2, "grid_worker", "网格员本人登记上报一起矛盾纠纷"),
    ("dispute.resolved", "化解矛盾纠纷", 5, "grid_worker",
     "案件达成调解协议并办结:记给上报的网格员;民警登记的,记给案件所在网格的网格长"),
    ("screening.on_time", "排查按时报告", 3, "grid_worker", "滚动排查在截止前提交报告(含零报告)"),
    ("screening.late", "排查逾期报告", -1, "grid_worker", "滚动排查截止后补报"),
    ("screening.missed", "排查未报告", -3, "grid_worker", "截止7天后仍未报告,扣网格长"),
    ("patrol.participation", "参加巡逻", 2, "all", "参加一次巡逻"),
    ("visit.done", "走访核查", 2, "all", "完成一次走访核查"),
    ("manual", "手工加减分", 10, "all", "派出所、县指挥中心手工调整,须填写事由;分值为单次调整上限"),
]


def create_default_rules(apps, schema_editor):
    PointsRule = apps.get_model("governance", "PointsRule")
    for code, name, points, applies_to, description in DEFAULT_RULES:
        PointsRule.objects.get_or_create(code=code, defaults={
            "name": name, "points": points, "applies_to": applies_to, "description": description})


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0002_notification'),
    ]

    operations = [
        migrations.CreateModel(
            name='PointsRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=48, unique=True, verbose_name='规则代码')),
                ('name', models.CharField(max_length=64, verbose_name='规则名称')),
                ('points', models.IntegerField(help_text='负数为扣分;手工加减分规则为单次调整的上限', verbose_name='分值')),
                ('applies_to', models.CharField(choices=[('all', '所有人员'), ('grid_worker', '网格员'), ('committee_member', '治保会成员'), ('volunteer_member', '群防群治队员')], default='all', max_length=24, verbose_name='适用人员')),
                ('description', models.CharField(blank=True, max_length=255, verbose_name='说明')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
            ],
            options={
                'verbose_name': '积分规则',
                'verbose_name_plural': '积分规则',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='PointsEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points', models.IntegerField(verbose_name='分值')),
                ('source_key', models.CharField(max_length=96, verbose_name='来源')),
                ('reason', models.CharField(blank=True, max_length=255, verbose_name='事由')),
                ('month', models.DateField(help_text='该月第一天', verbose_name='所属月份')),
                ('awarded_at', models.DateTimeField(verbose_name='记分时间')),
                ('awarded_by', models.ForeignKey(blank=True, help_text='为空表示系统自动记分', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记分人')),
                ('committee_member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='points_entries', to='governance.committeemember', verbose_name='治保会成员')),
                ('grid_worker', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='points_entries', to='governance.gridworker', verbose_name='网格员')),
                ('volunteer_member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='points_entries', to='governance.volunteermember', verbose_name='群防群治队员')),
                ('rule', models.ForeignKey(blank=True, help_text='手工加减分为空', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='governance.pointsrule', verbose_name='规则')),
            ],
            options={
                'verbose_name': '积分记录',
                'verbose_name_plural': '积分台账',
                'ordering': ['-awarded_at', '-pk'],
                'indexes': [models.Index(fields=['month', 'grid_worker'], name='governance__month_d7aa39_idx'), models.Index(fields=['month', 'committee_member'], name='governance__month_13a9d0_idx'), models.Index(fields=['month', 'volunteer_member'], name='governance__month_e9935e_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('committee_member__isnull', True), ('grid_worker__isnull', False), ('volunteer_member__isnull', True)), models.Q(('committee_member__isnull', False), ('grid_worker__isnull', True), ('volunteer_member__isnull', True)), models.Q(('committee_member__isnull', True), ('grid_worker__isnull', True), ('volunteer_member__isnull', False)), _connector='OR'), name='points_entry_exactly_one_person', violation_error_message='每条积分记录必须且只能对应一名人员。'), models.UniqueConstraint(fields=('grid_worker', 'source_key'), name='points_entry_unique_grid_worker', violation_error_message='该事项已为此人记过分。'), models.UniqueConstraint(fields=('committee_member', 'source_key'), name='points_entry_unique_committee_member', violation_error_message='该事项已为此人记过分。'), models.UniqueConstraint(fields=('volunteer_member', 'source_key'), name='points_entry_unique_volunteer_member', violation_error_message='该事项已为此人记过分。')],
            },
        ),
        migrations.RunPython(create_default_rules, migrations.RunPython.noop),
    ]
