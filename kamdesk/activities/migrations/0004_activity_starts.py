from django.db import migrations, models

# The participants table is Django's own for the many-to-many field, so its index is plain SQL (the same on
# SQLite and PostgreSQL). With it, "which of these activities does this user take part in" reads the user's
# entries from the index alone, not their rows.
PARTICIPANT_INDEX = "activity_participant_user_activity"


class Migration(migrations.Migration):
    """Indexes for My day and the digest: activities by start alone (everyone's activities of two days), and
    our participants by user and activity."""

    dependencies = [
        ("activities", "0003_store_checks"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["starts_at"], name="activity_starts"),
        ),
        migrations.RunSQL(
            sql=f"CREATE INDEX {PARTICIPANT_INDEX} ON activities_activity_our_participants (user_id, activity_id)",
            reverse_sql=f"DROP INDEX {PARTICIPANT_INDEX}",
        ),
    ]
