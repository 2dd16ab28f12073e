from django.db import migrations, models


class Migration(migrations.Migration):
    """The UID of the calendar invitation an activity was logged from, so logging the same invitation again
    (or its update) finds the activity instead of adding a copy: at most one activity per UID and account."""

    dependencies = [
        ("activities", "0004_activity_starts"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="calendar_uid",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                help_text="The UID of the calendar invitation this activity was logged from; empty when typed in.",
                max_length=255,
                verbose_name="calendar UID",
            ),
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                condition=models.Q(("calendar_uid", ""), _negated=True),
                fields=("account", "calendar_uid"),
                name="activity_account_calendar_uid",
            ),
        ),
    ]
