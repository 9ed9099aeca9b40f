from django.conf import settings
from django.db import migrations, models

ROLES = ("reception", "clinician", "manager")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="Clinician",
            fields=[
                ("user", models.OneToOneField(on_delete=models.deletion.CASCADE, primary_key=True,
                                              related_name="clinician", serialize=False,
                                              to=settings.AUTH_USER_MODEL)),
                ("doctor_id", models.UUIDField(help_text="The doctor this user is (a doctor's stream id).")),
            ],
        ),
        # The groups are data the rules name (clinic.roles.rules.Role); an empty
        # migration of the same name would leave every staff user without a role.
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
