"""A party's case with its phone in one index (replacing the plain foreign-key index): the nightly
risk run's repeat incidents from a party's phone read the index alone (issue 15)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0022_nightly_risk"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="party",
            index=models.Index(fields=["case"], include=("phone",), name="party_case_phone"),
        ),
        migrations.AlterField(
            model_name="party",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="parties",
                to="disputes.disputecase",
                verbose_name="案件",
            ),
        ),
    ]
