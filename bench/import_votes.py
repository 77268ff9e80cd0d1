"""Benchmark: import_votes on a Digital Library-shaped file against COPY of it.

Usage (DATABASE_URL must name a PostgreSQL server; a scratch database
``bench_import`` is created on it and dropped afterwards):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/import_votes.py [--ballots 2000]

The file is synthetic (made-up symbols and positions in the Digital Library's
columns, one row per member on the ballot's date) and never touches the record.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = "bench_import"


def scratch_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{SCRATCH}"))


def admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def write_file(path: Path, ballots: int, seed: int) -> int:
    """A Digital Library-shaped CSV: ``ballots`` records, every member voting."""
    from campaign.imports import UNDL_COLUMNS
    from campaign.models import MemberState

    rng = random.Random(seed)
    members = sorted(
        MemberState.objects.members().values_list("iso3", "name", "member_since")
    )
    titles = [
        f"Benchmark resolution series {n}: situation of human rights in a "
        f"made-up country, with a title as long as the real ones are"
        for n in range(150)
    ]
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(UNDL_COLUMNS)
        for i in range(ballots):
            session = 55 + i * 25 // ballots
            day = datetime.date(1945 + session, 12, 1) + datetime.timedelta(
                days=rng.randrange(20)
            )
            voting = [m for m in members if m[2] <= day]
            positions = rng.choices("YNAX", weights=(60, 10, 25, 5), k=len(voting))
            totals = [f"{positions.count(p)}.0" for p in "YNAX"]
            undl_id = str(9_000_000 + i)
            record = {
                "undl_id": undl_id,
                "date": day.isoformat(),
                "session": str(session),
                "resolution": f"A/RES/{session}/{9000 + i}",
                "draft": f"A/C.3/{session}/L.{9000 + i}",
                "committee_report": f"A/{session}/9{i % 100:02d}/Add.1",
                "meeting": f"A/{session}/PV.{60 + i % 30}",
                "title": f"{rng.choice(titles)} : resolution / adopted by the "
                "General Assembly",
                "agenda_title": "Promotion and protection of human rights",
                "subjects": "HUMAN RIGHTS--BENCHMARK|RESOLUTIONS AND DECISIONS",
                "vote_note": "",
                "total_yes": totals[0],
                "total_no": totals[1],
                "total_abstentions": totals[2],
                "total_non_voting": totals[3],
                "total_ms": f"{len(voting)}.0",
                "undl_link": f"https://digitallibrary.un.org/record/{undl_id}",
            }
            for (iso3, name, _), position in zip(voting, positions, strict=True):
                row = {
                    **record,
                    "ms_code": iso3,
                    "ms_name": name.upper(),
                    "ms_vote": "" if position == "X" else position,
                }
                writer.writerow([row[c] for c in UNDL_COLUMNS])
                rows += 1
    return rows


def copy_rows(url: str, path: Path) -> float:
    """Seconds to COPY the file into a bare table of text columns, committed."""
    import psycopg

    from campaign.imports import UNDL_COLUMNS

    columns = ", ".join(f"{c} text" for c in UNDL_COLUMNS)
    with psycopg.connect(url) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_bare")
        connection.execute(f"CREATE TABLE bench_bare ({columns})")
        connection.commit()
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
            path.open("rb") as stream,
        ):
            while block := stream.read(1 << 20):
                copy.write(block)
        connection.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=69188)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://...).")
    admin(url, f"DROP DATABASE IF EXISTS {SCRATCH}")
    admin(url, f"CREATE DATABASE {SCRATCH}")
    os.environ["DATABASE_URL"] = scratch_url(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
    os.environ.setdefault("DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from campaign.services import load_registry
        from campaign.vote_import import import_votes

        call_command("migrate", verbosity=0)
        load_registry()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "undl.csv"
            rows = write_file(path, args.ballots, args.seed)
            size = path.stat().st_size / 1e6
            print(f"File: {rows:,} rows, {args.ballots:,} ballots, {size:.0f} MB")

            copy_seconds = copy_rows(os.environ["DATABASE_URL"], path)

            started = time.perf_counter()
            with path.open(encoding="utf-8", newline="") as stream:
                result = import_votes(data=stream, source=path.name)
            import_seconds = time.perf_counter() - started
            assert result.new_votes == rows, (result.new_votes, rows)

            started = time.perf_counter()
            with path.open(encoding="utf-8", newline="") as stream:
                again = import_votes(data=stream, source=path.name)
            again_seconds = time.perf_counter() - started
            assert again.unchanged_votes == rows

        connections.close_all()
        report = [
            ("PostgreSQL COPY into a bare table", copy_seconds),
            ("import_votes, first import", import_seconds),
            ("import_votes, same file again", again_seconds),
        ]
        for label, seconds in report:
            print(f"{label:<36} {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s")
        print(
            f"COPY is {import_seconds / copy_seconds:.1f}x as fast as the first "
            f"import ({copy_seconds / import_seconds:.1%} of COPY's speed)."
        )
    finally:
        admin(url, f"DROP DATABASE IF EXISTS {SCRATCH}")


if __name__ == "__main__":
    main()
