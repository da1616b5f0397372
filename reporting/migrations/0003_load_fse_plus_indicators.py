"""Load the FSE+ common indicators from the vendored list (reporting/data/fse-plus/)."""

from django.db import migrations


def load(apps, schema_editor):
    from reporting.fse_reference import load_indicators

    load_indicators(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_fse_plus_indicator")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
