"""The incidents of a period carry their place and caller's phone in the covering index too: the
nightly risk run reads its window's incidents (repeats at a case's place or from a party's phone)
from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0007_incident_period_cover"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="incident", name="incident_period_cover"),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["received_at"],
                include=("id", "village", "category", "is_repeat", "address_key", "caller_phone"),
                name="incident_period_cover",
            ),
        ),
    ]
