"""BallotPositions, the triggers on the votes that keep it, and its first rows
(see the model)."""

import django.db.models.deletion
from django.db import migrations, models


def _sqlite_aggregate(where: str) -> str:
    # Keys come out as text ({"12": "Y"}), as the page looks states up.
    return f"""INSERT INTO campaign_ballotpositions (ballot_id, positions, notes)
        SELECT
            ballot_id,
            json_group_object(state_id, position),
            NULLIF(
                json_group_object(state_id, note) FILTER (WHERE note <> ''), '{{}}'
            )
        FROM campaign_vote {where}
        GROUP BY ballot_id"""


def _sqlite_trigger(event: str, ballots: str) -> str:
    return f"""
    CREATE TRIGGER campaign_vote_tallied_{event.lower()}
    AFTER {event} ON campaign_vote
    BEGIN
        DELETE FROM campaign_ballotpositions WHERE ballot_id IN ({ballots});
        {_sqlite_aggregate(f"WHERE ballot_id IN ({ballots})")};
    END
    """


# SQLite has row triggers only: each vote written recomputes its ballot (and,
# moved by an update, the ballot it left).
SQLITE = [
    _sqlite_trigger("INSERT", "NEW.ballot_id"),
    _sqlite_trigger("UPDATE", "OLD.ballot_id, NEW.ballot_id"),
    _sqlite_trigger("DELETE", "OLD.ballot_id"),
]
SQLITE_FILL = [_sqlite_aggregate("")]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS campaign_vote_tallied_{event}"
    for event in ("insert", "update", "delete")
]


def _postgresql_aggregate(where: str) -> str:
    return f"""INSERT INTO campaign_ballotpositions (ballot_id, positions, notes)
        SELECT
            ballot_id,
            json_object_agg(state_id, position)::text,
            (json_object_agg(state_id, note) FILTER (WHERE note <> ''))::text
        FROM campaign_vote {where}
        GROUP BY ballot_id"""


# One statement recomputes each ballot it wrote votes of, once. Its ballots'
# rows are locked first, in id order: of two transactions writing votes of
# the same ballot, the second waits here for the first to commit, and its
# next statements see the first's votes (NO KEY UPDATE does not conflict with
# the KEY SHARE locks the votes' foreign keys take). PL/pgSQL plans a
# statement when it first runs, so each branch names only the transition
# tables its trigger has.
POSTGRESQL = [
    f"""
    CREATE FUNCTION campaign_vote_tallied() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        ballots bigint[];
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM campaign_ballotpositions;
            RETURN NULL;
        ELSIF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT ballot_id) INTO ballots FROM new_votes;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT array_agg(ballot_id) INTO ballots FROM (
                SELECT ballot_id FROM old_votes
                UNION SELECT ballot_id FROM new_votes
            ) AS written;
        ELSE
            SELECT array_agg(DISTINCT ballot_id) INTO ballots FROM old_votes;
        END IF;
        IF ballots IS NULL THEN
            RETURN NULL;
        END IF;
        PERFORM FROM campaign_ballot WHERE id = ANY (ballots)
        ORDER BY id FOR NO KEY UPDATE;
        DELETE FROM campaign_ballotpositions WHERE ballot_id = ANY (ballots);
        {_postgresql_aggregate("WHERE ballot_id = ANY (ballots)")};
        RETURN NULL;
    END;
    $$
    """,
    # Named to fire after campaign_vote_revised (PostgreSQL fires a table's
    # triggers for one event in the order of their names).
    """
    CREATE TRIGGER campaign_vote_tallied_insert
    AFTER INSERT ON campaign_vote REFERENCING NEW TABLE AS new_votes
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_vote_tallied()
    """,
    """
    CREATE TRIGGER campaign_vote_tallied_update
    AFTER UPDATE ON campaign_vote
    REFERENCING OLD TABLE AS old_votes NEW TABLE AS new_votes
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_vote_tallied()
    """,
    """
    CREATE TRIGGER campaign_vote_tallied_delete
    AFTER DELETE ON campaign_vote REFERENCING OLD TABLE AS old_votes
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_vote_tallied()
    """,
    """
    CREATE TRIGGER campaign_vote_tallied_truncate
    AFTER TRUNCATE ON campaign_vote
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_vote_tallied()
    """,
]
POSTGRESQL_FILL = [_postgresql_aggregate("")]
POSTGRESQL_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS campaign_vote_tallied_{event} ON campaign_vote"
        for event in ("insert", "update", "delete", "truncate")
    ),
    "DROP FUNCTION IF EXISTS campaign_vote_tallied()",
]


def _run(schema_editor, statements: dict) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"No ballot positions triggers for {vendor}.")
    for statement in statements[vendor]:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    _run(
        schema_editor,
        {"sqlite": SQLITE + SQLITE_FILL, "postgresql": POSTGRESQL + POSTGRESQL_FILL},
    )


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE})


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0004_recordrevision"),
    ]

    operations = [
        migrations.CreateModel(
            name="BallotPositions",
            fields=[
                (
                    "ballot",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="campaign.ballot",
                    ),
                ),
                ("positions", models.TextField()),
                ("notes", models.TextField(null=True)),
            ],
            options={
                "verbose_name_plural": "ballot positions",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
