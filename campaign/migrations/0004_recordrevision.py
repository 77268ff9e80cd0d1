"""RecordRevision, and the triggers that give it a new token on every write to
the tables a ballot page reads beside the registry (see the model)."""

import secrets

from django.db import migrations, models

TABLES = (
    "campaign_resolutionseries",
    "campaign_document",
    "campaign_ballot",
    "campaign_vote",
    "campaign_cosponsorship",
    "campaign_historicalcosponsorship",
)
EVENTS = ("INSERT", "UPDATE", "DELETE")

# SQLite has row triggers only: a write of many rows sets many tokens, the
# last of which stays.
SQLITE = [
    f"""
    CREATE TRIGGER {table}_revised_{event.lower()}
    AFTER {event} ON {table}
    BEGIN
        INSERT INTO campaign_recordrevision (id, token) VALUES (1, random())
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    END
    """
    for table in TABLES
    for event in EVENTS
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_revised_{event.lower()}"
    for table in TABLES
    for event in EVENTS
]

POSTGRESQL = [
    """
    CREATE FUNCTION campaign_record_revised() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO campaign_recordrevision (id, token)
        VALUES (1, (random() * 4e18)::bigint)
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
        RETURN NULL;
    END;
    $$
    """,
    *(
        f"""
        CREATE TRIGGER {table}_revised
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION campaign_record_revised()
        """
        for table in TABLES
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_revised ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS campaign_record_revised()",
]


def _run(schema_editor, statements: dict) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"No record triggers for {vendor}.")
    for statement in statements[vendor]:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRESQL})
    RecordRevision = apps.get_model("campaign", "RecordRevision")
    RecordRevision.objects.using(schema_editor.connection.alias).create(
        pk=1, token=secrets.randbits(62)
    )


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE})


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0003_registryrevision"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("token", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
