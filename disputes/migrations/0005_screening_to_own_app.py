# Rolling screening moved to its own app (screening.0001_initial takes the models over with the
# same tables); only the migration state changes here: the tables and their rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0004_case_address_key'),
    ]

    operations = [migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.RemoveField(
            model_name='screeningpolicy',
            name='county',
        ),
        migrations.RemoveField(
            model_name='screeningreport',
            name='filed_by',
        ),
        migrations.RemoveField(
            model_name='screeningreport',
            name='grid',
        ),
        migrations.RemoveField(
            model_name='screeningreport',
            name='round',
        ),
        migrations.RemoveField(
            model_name='screeninground',
            name='county',
        ),
        migrations.DeleteModel(
            name='ScreeningItem',
        ),
        migrations.DeleteModel(
            name='ScreeningPolicy',
        ),
        migrations.DeleteModel(
            name='ScreeningReport',
        ),
        migrations.DeleteModel(
            name='ScreeningRound',
        ),
    ])]
