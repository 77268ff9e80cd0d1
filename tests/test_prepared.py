"""Queries compiled once per connection (campaign/prepared.py)."""

import datetime
import json

import pytest
from django.db import connection
from django.db.models import F

from campaign.models import Ballot, Document
from campaign.prepared import Prepared, Slots, one_json_value

from .factories import BallotFactory, DocumentFactory, SeriesFactory

pytestmark = pytest.mark.django_db

SERIES_KEY, SESSION_KEY = -7_654_321, 32_101


def ballots_of(series_id):
    return (
        Ballot.objects.filter(document__series_id=series_id)
        .select_related("document__series")
        .order_by("date", "pk")
    )


def test_model_instances_match_the_orms_with_their_related_objects(
    django_assert_num_queries,
):
    series = SeriesFactory()
    first = BallotFactory(document=DocumentFactory(series=series, session=68))
    second = BallotFactory(document=DocumentFactory(series=series, session=69))
    BallotFactory()  # another series
    prepared = Prepared(ballots_of, SERIES_KEY)

    prepared(series.pk)  # compiles once for this connection
    with django_assert_num_queries(1):
        got = prepared(series.pk)
        # The related objects came with the row: no further query.
        titles = [b.document.series.title for b in got]
    assert got == list(ballots_of(series.pk)) == [first, second]
    assert titles == [series.title, series.title]
    assert isinstance(got[0].date, datetime.date)
    assert got[0].document.session == 68


def test_annotations_come_with_the_model_instances():
    from django.db.models import Count, OuterRef, Subquery

    from campaign.models import Vote

    series = SeriesFactory()
    ballot = BallotFactory(document=DocumentFactory(series=series, session=69))
    prepared = Prepared(
        lambda series_id: ballots_of(series_id).annotate(
            n_votes=Subquery(
                Vote.objects.filter(ballot_id=OuterRef("pk"))
                .order_by()
                .values("ballot_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            label=F("document__symbol"),
        ),
        SERIES_KEY,
    )
    (got,) = prepared(series.pk)
    assert got == ballot
    assert got.n_votes is None and got.label == ballot.document.symbol


def test_rows_come_through_the_databases_converters():
    series = SeriesFactory()
    ballot = BallotFactory(document=DocumentFactory(series=series, session=69))
    prepared = Prepared(
        lambda series_id, session: Ballot.objects.filter(
            document__series_id=series_id, document__session=session
        ).values_list("pk", "date", "document__kind"),
        SERIES_KEY,
        SESSION_KEY,
    )
    assert prepared(series.pk, 69) == [(ballot.pk, ballot.date, ballot.document.kind)]
    assert prepared(series.pk, 68) == []


def test_a_key_the_query_does_not_take_is_refused():
    prepared = Prepared(lambda pk: Ballot.objects.all(), -1)
    with pytest.raises(RuntimeError, match="does not take every key"):
        prepared(1)
    with pytest.raises(TypeError):
        Prepared(lambda pk: Ballot.objects.filter(pk=pk), -1)(1, 2)


def test_constants_stay_and_keys_are_filled_in_order():
    queryset = Document.objects.filter(
        kind__in=["draft", "revision"], series_id=SERIES_KEY, session=SESSION_KEY
    )
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    slots = Slots(params, (SERIES_KEY, SESSION_KEY))
    filled = slots.fill((12, 69))
    assert [type(v) for v in filled] == [type(v) for v in params]
    assert filled == ["draft", "revision", 12, 69]


def test_many_rows_come_back_as_one_json_value():
    series = SeriesFactory()
    ballots = [BallotFactory(document=DocumentFactory(series=series)) for _ in range(3)]
    queryset = (
        Ballot.objects.filter(document__series_id=SERIES_KEY)
        .order_by("pk")
        .values_list("pk", "question")
    )
    sql, params = queryset.query.sql_with_params()
    assert list(params) == [SERIES_KEY]
    sql = one_json_value(queryset, sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [series.pk])
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert json.loads(rows[0][0]) == [[b.pk, b.question] for b in ballots]
    with connection.cursor() as cursor:
        cursor.execute(sql, [-1])
        assert json.loads(cursor.fetchone()[0]) == []
