from django.db import migrations, models


class Migration(migrations.Migration):
    """A partial index on the high-influence detractors still at the customer, by account (My day's alerts)."""

    dependencies = [
        ("people", "0003_contact_level_communication_plan"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("attitude__lte", -2), ("has_left", False), ("influence__gte", 4)),
                fields=["account"],
                name="contact_detractor_account",
            ),
        ),
    ]
