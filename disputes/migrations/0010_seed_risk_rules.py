"""Seed the first risk-rules version (2026.1): the weights that were the Python dict
``disputes.risk.RULES`` and the per-level policy (red → township at least, 10 days, station and
county told; orange 15 days, station told). Reversible: going back removes this version (and
only if no assessment needs it: an assessment names its version by string, so none is lost)."""

from django.db import migrations

VERSION = "2026.1"
WEIGHTS = {
    "category": {
        "land_acquisition": 15,
        "labour_debt": 15,
        "land_forest": 12,
        "medical": 12,
        "homestead": 10,
        "marriage_family": 10,
        "romance": 10,
        "damages": 8,
        "traffic": 8,
        "school_employment": 8,
        "environment": 8,
        "neighbour": 6,
        "contract": 5,
        "business": 5,
        "property_mgmt": 4,
        "consumer": 3,
        "other": 4,
    },
    "people": [[10, 25], [5, 20], [3, 6]],
    "amount": [[100000, 15], [50000, 10], [10000, 5]],
    "threat": 25,
    "vulnerable": 10,
    "overdue_per_day": 2,
    "overdue_max": 16,
    "escalation_each": 5,
    "escalation_max": 15,
    "failed_mediation_each": 8,
    "failed_mediation_max": 16,
    "recurrence_each": 10,
    "recurrence_max": 20,
    "repeat_incident_days": 30,
    "repeat_incident_each": 6,
    "repeat_incident_max": 18,
    "levels": [[70, "red"], [50, "orange"], [30, "yellow"]],
}
LEVEL_POLICY = {
    "red": {"min_level": "township", "handling_days": 10, "notify": ["station", "county"]},
    "orange": {"min_level": "grid", "handling_days": 15, "notify": ["station"]},
    "yellow": {"min_level": "grid", "handling_days": 30, "notify": []},
    "blue": {"min_level": "grid", "handling_days": 30, "notify": []},
}


def seed(apps, schema_editor):
    RiskRuleSet = apps.get_model("disputes", "RiskRuleSet")
    RiskRuleSet.objects.get_or_create(
        version=VERSION,
        defaults={"weights": WEIGHTS, "level_policy": LEVEL_POLICY, "note": "初始版本(原程序内置规则)"},
    )


def unseed(apps, schema_editor):
    apps.get_model("disputes", "RiskRuleSet").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("disputes", "0009_risk_rule_set")]

    operations = [migrations.RunPython(seed, unseed)]
