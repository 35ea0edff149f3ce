# The inbox model moved to the core app (core.0001_initial adopts the same table); only the
# migration state changes here, the table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_points"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Notification")],
        ),
    ]
