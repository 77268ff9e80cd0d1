"""Importing recorded votes: UN Digital Library files and ballot,state,vote files.

Every ballot here is a test-only ballot (symbols numbered 9xx that the UN never
used); the positions are made up for the tests, not the UN record.
"""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from campaign import vote_import
from campaign.imports import UNDL_COLUMNS, ImportFailed, parse_votes, session_on
from campaign.models import (
    Ballot,
    Body,
    Document,
    MemberState,
    Outcome,
    ResolutionSeries,
    Vote,
)
from campaign.vote_import import clean_title, import_votes, plan_votes_import

from .factories import BallotFactory, DocumentFactory, UserFactory

pytestmark = pytest.mark.django_db

TITLE = (
    "Situation of human rights in Testland : resolution / adopted by the General "
    "Assembly"
)


def undl(*records) -> str:
    """A Digital Library file of (undl_id, resolution, positions, extra) records."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UNDL_COLUMNS)
    for record in records:
        undl_id, resolution, positions, *rest = record
        extra = rest[0] if rest else {}
        counted = {v: list(positions.values()).count(v) for v in "YNAX"}
        totals = extra.get("totals", (counted["Y"], counted["N"], counted["A"], 0))
        row = {
            "undl_id": undl_id,
            "date": extra.get("date", "2014-12-18"),
            "session": extra.get("session", "69"),
            "resolution": resolution,
            "draft": extra.get("draft", f"A/C.3/69/L.{undl_id[-3:]}/Rev.1"),
            "committee_report": "A/69/488/Add.3",
            "meeting": "A/69/PV.73",
            "title": extra.get("title", TITLE),
            "agenda_title": "Promotion and protection of human rights",
            "subjects": "HUMAN RIGHTS--TESTLAND",
            "vote_note": "",
            "total_yes": f"{totals[0]}.0",
            "total_no": f"{totals[1]}.0",
            "total_abstentions": f"{totals[2]}.0",
            "total_non_voting": f"{totals[3]}.0",
            "total_ms": "193.0",
            "undl_link": f"https://digitallibrary.un.org/record/{undl_id}",
        }
        for code, vote in positions.items():
            name = extra.get("names", {}).get(code, code)
            writer.writerow(
                [
                    {**row, "ms_code": code, "ms_name": name, "ms_vote": vote}.get(c)
                    for c in UNDL_COLUMNS
                ]
            )
    return out.getvalue()


FOUR = {"FRA": "Y", "DEU": "Y", "CUB": "N", "NGA": "A"}


def test_undl_file_creates_the_series_documents_ballot_and_votes():
    result = import_votes(data=undl(("9000901", "A/RES/69/901", FOUR)))
    assert (result.new_ballots, result.new_votes) == (1, 4)
    ballot = Ballot.objects.get(undl_id="9000901")
    assert ballot.body == Body.PLENARY
    assert ballot.date == datetime.date(2014, 12, 18)
    assert ballot.meeting == "A/69/PV.73"
    assert ballot.committee_report == "A/69/488/Add.3"
    assert ballot.reported_tally == {"yes": 2, "no": 1, "abstain": 1, "non_voting": 0}
    assert ballot.outcome == Outcome.ADOPTED
    assert ballot.reported_source == "https://digitallibrary.un.org/record/9000901"
    resolution = ballot.document
    assert (resolution.symbol, resolution.kind) == ("A/RES/69/901", "resolution")
    assert resolution.parent.symbol == "A/C.3/69/L.901/Rev.1"
    assert resolution.parent.kind == Document.Kind.REVISION
    assert resolution.parent.body == Body.THIRD_COMMITTEE
    assert resolution.series.title == "Situation of human rights in Testland"
    assert resolution.series.slug == "situation-of-human-rights-in-testland"
    positions = dict(ballot.votes.values_list("state__iso3", "position"))
    assert positions == FOUR


def test_importing_the_same_file_twice_changes_nothing():
    data = undl(("9000901", "A/RES/69/901", FOUR), ("9000902", "A/RES/69/902", FOUR))
    import_votes(data=data)
    ballot = Ballot.objects.get(undl_id="9000901")
    counts = (
        Ballot.objects.count(),
        Vote.objects.count(),
        Ballot.history.count(),
        Vote.history.count(),
        Document.objects.count(),
        ResolutionSeries.objects.count(),
    )
    again = import_votes(data=data)
    assert (again.new_ballots, again.changed_ballots) == (0, 0)
    assert (again.new_votes, again.changed_votes, again.unchanged_votes) == (0, 0, 8)
    assert counts == (
        Ballot.objects.count(),
        Vote.objects.count(),
        Ballot.history.count(),
        Vote.history.count(),
        Document.objects.count(),
        ResolutionSeries.objects.count(),
    )
    ballot.refresh_from_db()
    assert Ballot.objects.get(undl_id="9000901").version == ballot.version


@pytest.mark.parametrize("copy", [True, False], ids=["copy", "insert"])
def test_a_changed_position_is_updated_with_history_and_a_new_version(
    copy, monkeypatch
):
    """New votes are written with COPY on PostgreSQL, else bulk INSERT: both
    leave the same history."""
    monkeypatch.setattr(vote_import, "COPY_VOTES", copy)
    user = UserFactory()
    import_votes(data=undl(("9000901", "A/RES/69/901", FOUR)), by=user)
    ballot = Ballot.objects.get(undl_id="9000901")
    version = ballot.version
    changed = {**FOUR, "CUB": "A"}
    result = import_votes(data=undl(("9000901", "A/RES/69/901", changed)), by=user)
    assert (result.changed_votes, result.unchanged_votes) == (1, 3)
    ballot.refresh_from_db()
    assert ballot.version == version + 1
    cuba = Vote.objects.get(ballot=ballot, state__iso3="CUB")
    assert cuba.position == "A"
    history = list(cuba.history.order_by("history_date", "history_id"))
    assert [(h.history_type, h.position) for h in history] == [("+", "N"), ("~", "A")]
    assert {h.history_user for h in history} == {user}
    assert "Imported from" in history[-1].history_change_reason


def test_every_bad_row_is_reported_and_nothing_is_imported():
    good = undl(("9000901", "A/RES/69/901", FOUR))
    bad = undl(
        (
            "9000902",
            "A/RES/69/902",
            {
                "FRA": "Y",  # line 2: fine
                "XYZ": "Y",  # line 3: no such state
                "DEU": "maybe",  # line 4: no such vote
                "SSD": "X",  # line 5: joined in 2011
                "VAT": "Y",  # line 6: an observer
            },
            {
                "date": "2005-12-16",
                "names": {"XYZ": "Narnia", "SSD": "South Sudan", "VAT": "Holy See"},
            },
        ),
    )
    lines = bad.splitlines()
    lines.append(lines[1])  # line 7: France twice
    lines.append(lines[1].replace("2005-12-16", "2005-12-19"))  # line 8: other date
    data = good + "\n".join(lines[1:]) + "\n"
    with pytest.raises(ImportFailed) as caught:
        import_votes(data=data)
    errors = {e.line - 4: e.message for e in caught.value.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "Narnia" in errors[3]
    assert "'maybe'" in errors[4]
    assert "not a UN member on 2005-12-16" in errors[5]
    assert "observer" in errors[6]
    assert "a second row for FRA" in errors[7]
    assert "date differ from line 6" in errors[8]
    assert not Ballot.objects.filter(undl_id__in=["9000901", "9000902"]).exists()
    assert not Document.objects.filter(symbol="A/RES/69/901").exists()


def test_a_state_that_had_not_joined_is_never_counted_as_non_voting():
    early = {"FRA": "Y", "SSD": "X"}
    data = undl(("9000903", "A/RES/60/903", early, {"date": "2005-12-16"}))
    with pytest.raises(ImportFailed, match=r"SSD\) was not a UN member on 2005-12-16"):
        import_votes(data=data)
    result = import_votes(
        data=undl(("9000903", "A/RES/60/903", {"FRA": "Y"}, {"date": "2005-12-16"}))
    )
    (change,) = result.ballots
    assert "SSD" not in change.absent
    assert "MNE" not in change.absent  # joined in 2006
    assert "DEU" in change.absent and "FRA" not in change.absent
    members = MemberState.objects.members_on(datetime.date(2005, 12, 16)).count()
    assert len(change.absent) == members - 1
    ballot = Ballot.objects.get(undl_id="9000903")
    assert list(ballot.votes.values_list("state__iso3", flat=True)) == ["FRA"]


def test_the_report_says_whether_each_ballots_rows_agree_with_the_files_totals():
    data = undl(
        ("9000901", "A/RES/69/901", FOUR),
        ("9000902", "A/RES/69/902", FOUR, {"totals": (3, 1, 1, 0)}),
    )
    result = plan_votes_import(data=data)
    agreeing, disagreeing = result.ballots
    assert agreeing.agrees is True
    assert disagreeing.agrees is False
    assert disagreeing.disagreements == {"yes": (2, 3)}
    assert result.disagreeing == [disagreeing]
    assert not Ballot.objects.filter(undl_id="9000901").exists()


def test_un_names_are_matched_where_the_code_is_not_a_registry_code():
    positions = {"": "Y", "XXX": "N", "ROM": "A"}
    names = {
        "": "BOLIVIA (PLURINATIONAL STATE OF)",
        "XXX": "UNION OF SOVIET SOCIALIST REPUBLICS",
        "ROM": "Côte d'Ivoire",
    }
    data = undl(("9000904", "A/RES/69/904", positions, {"names": names}))
    import_votes(data=data)
    ballot = Ballot.objects.get(undl_id="9000904")
    assert dict(ballot.votes.values_list("state__iso3", "position")) == {
        "BOL": "Y",
        "RUS": "N",
        "CIV": "A",
    }


def test_rows_of_former_members_are_skipped_and_counted():
    data = undl(
        (
            "9000905",
            "A/RES/35/905",
            {"FRA": "Y", "CSK": "N", "DDR": "N"},
            {"date": "1980-12-15", "session": "35"},
        )
    )
    result = import_votes(data=data)
    assert result.skipped == {"Czechoslovakia": 1, "German Democratic Republic": 1}
    assert result.rows == 1


def test_a_rejected_draft_gets_its_outcome_from_the_positions():
    against = {"FRA": "N", "DEU": "N", "CUB": "Y"}
    import_votes(data=undl(("9000906", "A/RES/69/906", against)))
    assert Ballot.objects.get(undl_id="9000906").outcome == Outcome.REJECTED


def test_a_record_fills_in_the_plenary_ballot_already_on_its_resolution():
    resolution = DocumentFactory(
        symbol="A/RES/69/907", kind=Document.Kind.RESOLUTION, body=Body.PLENARY
    )
    ballot = BallotFactory(
        document=resolution, body=Body.PLENARY, reported_yes=3, reported_no=1
    )
    result = import_votes(data=undl(("9000907", "A/RES/69/907", FOUR)))
    assert result.new_ballots == 0
    ballot.refresh_from_db()
    assert ballot.undl_id == "9000907"
    assert ballot.reported_yes == 2
    assert ballot.version == 1
    assert ballot.votes.count() == 4
    assert Document.objects.filter(symbol="A/RES/69/907").count() == 1


def test_the_same_title_in_another_session_joins_the_same_series():
    import_votes(
        data=undl(
            ("9000901", "A/RES/69/901", FOUR),
            ("9000911", "A/RES/70/911", FOUR, {"date": "2015-12-17", "session": "70"}),
        )
    )
    series = ResolutionSeries.objects.get(slug="situation-of-human-rights-in-testland")
    symbols = set(series.documents.values_list("symbol", flat=True))
    assert {"A/RES/69/901", "A/RES/70/911"} <= symbols


def test_emergency_special_sessions_are_dated_to_the_regular_session():
    data = undl(
        (
            "9000912",
            "A/RES/ES-10/912",
            FOUR,
            {"session": "ES-10", "date": "2023-10-27", "draft": "A/ES-10/L.912"},
        )
    )
    import_votes(data=data)
    document = Document.objects.get(symbol="A/RES/ES-10/912")
    assert document.session == 78
    assert document.parent.body == Body.PLENARY
    assert session_on(datetime.date(2024, 9, 9)) == 78
    assert session_on(datetime.date(2024, 9, 20)) == 79


def test_catalogue_tail_is_cut_from_titles():
    assert clean_title(TITLE) == "Situation of human rights in Testland"
    assert clean_title("Plain title.") == "Plain title"


# ballot,state,vote files ------------------------------------------------------


def test_simple_file_names_a_ballot_by_id_or_by_symbol():
    first = BallotFactory()
    second = BallotFactory()
    data = (
        "ballot,state,vote\n"
        f"{first.pk},France,yes\n"
        f"{first.pk},Democratic People's Republic of Korea,no\n"
        f"{second.document.symbol},KOR,abstain\n"
        f"{second.document.symbol},Türkiye,Y\n"
        f"{second.document.symbol},Turkmenistan,non-voting\n"
    )
    result = import_votes(data=data)
    assert result.new_votes == 5
    assert dict(first.votes.values_list("state__iso3", "position")) == {
        "FRA": "Y",
        "PRK": "N",
    }
    assert dict(second.votes.values_list("state__iso3", "position")) == {
        "KOR": "A",
        "TUR": "Y",
        "TKM": "X",
    }


def test_simple_file_compares_the_ballot_with_its_reported_totals():
    ballot = BallotFactory(reported_yes=1, reported_no=1, reported_abstain=0)
    data = f"ballot,state,vote\n{ballot.pk},France,yes\n{ballot.pk},Cuba,yes\n"
    (change,) = import_votes(data=data).ballots
    assert change.totals_source == "reported"
    assert change.disagreements == {"yes": (2, 1), "no": (0, 1)}


def test_simple_file_bad_rows_name_the_reason():
    ballot = BallotFactory()
    twice = DocumentFactory()
    BallotFactory(document=twice)
    BallotFactory(document=twice)
    unrecorded = BallotFactory(is_recorded=False)
    early = BallotFactory(date=datetime.date(2005, 12, 16))
    data = (
        "ballot,state,vote\n"
        f"{ballot.pk},Korea,yes\n"  # 2
        f"{twice.symbol},France,yes\n"  # 3
        "A/C.3/69/L.999,France,yes\n"  # 4
        f"{unrecorded.pk},France,yes\n"  # 5
        f"{ballot.pk},France,perhaps\n"  # 6
        "99999999,France,yes\n"  # 7
        f"{early.pk},South Sudan,yes\n"  # 8
    )
    with pytest.raises(ImportFailed) as caught:
        import_votes(data=data)
    errors = {e.line: e.message for e in caught.value.errors}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8]
    assert "ambiguous" in errors[2] and "Republic of Korea" in errors[2]
    assert "has 2 ballots" in errors[3]
    assert "A/C.3/69/L.999" in errors[4]
    assert "without a vote" in errors[5]
    assert "'perhaps'" in errors[6]
    assert "99999999" in errors[7]
    assert "not a UN member" in errors[8]
    assert not Vote.objects.exists()


def test_unknown_header_and_empty_files_are_refused():
    with pytest.raises(ImportFailed, match="unrecognised header"):
        parse_votes("state,position\nFrance,yes\n")
    with pytest.raises(ImportFailed, match="empty"):
        parse_votes("")
    with pytest.raises(ImportFailed, match="no vote rows"):
        parse_votes("ballot,state,vote\n")
    with pytest.raises(ImportFailed, match="missing column"):
        parse_votes("undl_id,ms_vote\n1,Y\n")


# The command -------------------------------------------------------------------


def test_command_imports_every_file_and_reports_each_ballot(tmp_path):
    first = tmp_path / "votes-1.csv"
    first.write_text(undl(("9000901", "A/RES/69/901", FOUR)))
    second = tmp_path / "votes-2.csv"
    second.write_text(undl(("9000902", "A/RES/69/902", FOUR, {"totals": (2, 2, 1, 0)})))
    user = UserFactory(email="importer@example.org")
    out = io.StringIO()
    call_command(
        "import_votes", str(first), str(second), by="importer@example.org", stdout=out
    )
    text = out.getvalue()
    assert "A/RES/69/901 [9000901] 2014-12-18: new ballot" in text
    assert "rows agree with the file totals" in text
    assert "rows DISAGREE with the file totals: no 1 counted, 2 given" in text
    assert Ballot.objects.filter(undl_id__in=["9000901", "9000902"]).count() == 2
    vote = Vote.objects.filter(ballot__undl_id="9000901").first()
    assert vote.history.get().history_user == user


def test_command_imports_nothing_if_any_file_has_a_bad_row(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(undl(("9000901", "A/RES/69/901", FOUR)))
    bad = tmp_path / "bad.csv"
    bad.write_text(undl(("9000902", "A/RES/69/902", {"FRA": "?"})))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_votes", str(good), str(bad), stderr=err)
    assert f"{bad}:2: unknown vote '?'" in err.getvalue()
    assert not Ballot.objects.filter(undl_id="9000901").exists()


def test_command_dry_run_reports_and_writes_nothing(tmp_path):
    file = tmp_path / "votes.csv"
    file.write_text(undl(("9000901", "A/RES/69/901", FOUR)))
    out = io.StringIO()
    call_command("import_votes", str(file), dry_run=True, stdout=out)
    assert "Would import 4 row(s): 1 new ballot(s)" in out.getvalue()
    assert not Ballot.objects.filter(undl_id="9000901").exists()
    assert not Document.objects.filter(symbol="A/RES/69/901").exists()
