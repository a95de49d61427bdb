from django.db import migrations


def install(apps, schema_editor):
    from soprovod.meetings.defaults import install_default_series

    install_default_series(apps.get_model("meetings", "MeetingSeries"))


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
