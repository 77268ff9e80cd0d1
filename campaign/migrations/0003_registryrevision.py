"""RegistryRevision, and the triggers that give it a new token on every write
to campaign_memberstate (see the model)."""

import secrets

from django.db import migrations, models

SQLITE = [
    f"""
    CREATE TRIGGER campaign_registry_revised_{event.lower()}
    AFTER {event} ON campaign_memberstate
    BEGIN
        INSERT INTO campaign_registryrevision (id, token) VALUES (1, random())
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    END
    """
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS campaign_registry_revised_{event}"
    for event in ("insert", "update", "delete")
]

POSTGRESQL = [
    """
    CREATE FUNCTION campaign_registry_revised() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO campaign_registryrevision (id, token)
        VALUES (1, (random() * 4e18)::bigint)
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
        RETURN NULL;
    END;
    $$
    """,
    """
    CREATE TRIGGER campaign_registry_revised
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_memberstate
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_registry_revised()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS campaign_registry_revised ON campaign_memberstate",
    "DROP FUNCTION IF EXISTS campaign_registry_revised()",
]


def _run(schema_editor, statements: dict) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"No registry triggers for {vendor}.")
    for statement in statements[vendor]:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRESQL})
    RegistryRevision = apps.get_model("campaign", "RegistryRevision")
    RegistryRevision.objects.using(schema_editor.connection.alias).create(
        pk=1, token=secrets.randbits(62)
    )


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE})


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0002_record_import"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistryRevision",
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
