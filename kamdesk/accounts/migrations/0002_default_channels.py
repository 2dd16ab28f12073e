from django.db import migrations

DEFAULT_CHANNELS = [
    ("retail-chain", "Retail chain"),
    ("pharmacy", "Pharmacy"),
    ("e-commerce", "E-commerce"),
    ("diy", "DIY"),
    ("wholesale", "Wholesale"),
    ("hospital", "Hospital"),
    ("government", "Government"),
    ("oem", "OEM"),
]


def add_channels(apps, schema_editor):
    Channel = apps.get_model("accounts", "Channel")
    for code, name in DEFAULT_CHANNELS:
        Channel.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_channels, migrations.RunPython.noop)]
