from django.db import migrations

DEFAULT_METRICS = [
    ("revenue", "Revenue (net sales)", ""),
    ("volume", "Volume", "units"),
    ("gross_margin", "Gross margin", ""),
]


def add_metrics(apps, schema_editor):
    Metric = apps.get_model("sales", "Metric")
    for code, name, unit in DEFAULT_METRICS:
        Metric.objects.get_or_create(code=code, defaults={"name": name, "unit": unit})


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(add_metrics, migrations.RunPython.noop)]
