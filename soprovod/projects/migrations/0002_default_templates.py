from django.db import migrations


def install(apps, schema_editor):
    from soprovod.projects.defaults import install_default_templates

    install_default_templates(apps)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
