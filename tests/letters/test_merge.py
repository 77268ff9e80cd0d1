"""The mail-merge language: fixed names only, validated, escaped, no template engine."""

import datetime

import pytest

from campaign.models import Body, Cosponsorship, MemberState, Vote
from letters import merge, services

from ..factories import BallotFactory, DocumentFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "state": "France",
    "head_name": "A",
    "head_title": "B",
    "salutation": "Your Excellency",
}


@pytest.mark.parametrize(
    "text, named",
    [
        ("{{ settings.SECRET_KEY }}", "settings.SECRET_KEY"),
        ("{{ request.user.password }}", "request.user.password"),
        ("{{ state.__class__ }}", "state.__class__"),
        ("{{ state|upper }}", "state|upper"),
        ("{{ letter }}", "letter"),
        ("{% if settings.DEBUG %}x{% endif %}", "settings.DEBUG"),
        ("{% load static %}", "load static"),
        ("{% include 'base.html' %}", "include"),
        ("{% debug %}", "debug"),
    ],
)
def test_anything_but_the_named_fields_and_conditions_is_rejected_by_name(text, named):
    errors = merge.validate(text)
    assert errors
    assert any(named in error for error in errors)


def test_unbalanced_or_unclosed_tags_are_rejected():
    assert merge.validate("{% if cosponsor %}no end")
    assert merge.validate("{% endif %}")
    assert merge.validate("{% else %}")
    assert merge.validate("Dear {{ state")
    assert merge.validate("{% if cosponsor %}a{% else %}b{% else %}c{% endif %}")


def test_valid_text_has_no_errors():
    text = (
        "{{ salutation }}, {{ state }}{% if not cosponsor %} join us"
        "{% else %} thanks{% endif %}"
    )
    assert merge.validate(text) == []


def test_unknown_names_render_as_nothing_even_if_never_validated():
    rendered = merge.render(
        "a{{ settings.SECRET_KEY }}b{% if settings %}SECRET{% endif %}c",
        fields={"settings.SECRET_KEY": "leak", **FIELDS},
        conditions={"settings": True},
    )
    assert rendered == "abc"


def test_values_that_are_not_strings_render_as_nothing():
    assert merge.render("[{{ state }}]", fields={"state": object()}, conditions={}) == (
        "[]"
    )


def test_conditions_nest_and_negate():
    text = (
        "{% if cosponsor %}C{% if voted_no_last_year %}N{% else %}n{% endif %}"
        "{% endif %}{% if not cosponsor %}!{% endif %}"
    )
    assert merge.render(text, fields={}, conditions={"cosponsor": True}) == "Cn"
    assert (
        merge.render(
            text,
            fields={},
            conditions={"cosponsor": True, "voted_no_last_year": True},
        )
        == "CN"
    )
    assert merge.render(text, fields={}, conditions={}) == "!"


def test_conditions_must_be_true_not_merely_truthy():
    assert merge.render(
        "{% if cosponsor %}yes{% endif %}", fields={}, conditions={"cosponsor": "no"}
    ) == ("")


def test_merged_html_escapes_inserted_values(letter, record, coalition):
    record["head"].name = '<script>alert("x")</script> & Co'
    record["head"].save()
    merged = services.render_merged(
        version=letter.latest_version(), state=record["france"]
    )
    assert "<script>" not in merged.html
    assert "&lt;script&gt;" in merged.html
    assert "&amp; Co" in merged.html
    assert '<script>alert("x")</script> & Co' in merged.text


def test_merged_copy_differs_by_the_state_record(letter, record):
    version = letter.latest_version()
    france = services.render_merged(version=version, state=record["france"])
    dprk = services.render_merged(version=version, state=record["dprk"])
    assert "Thank you for cosponsoring." in france.html
    assert "Please join the cosponsors." not in france.html
    assert "voted no" not in france.html
    assert "Last year Democratic People" in dprk.html
    assert "voted no. Please reconsider." in dprk.html
    assert "Please join the cosponsors." in dprk.html
    assert "{%" not in france.html + dprk.html
    assert "{{" not in france.html + dprk.html
    assert france.subject == "Please vote yes — France"


def test_fields_come_from_the_head_of_mission_and_the_letters_language(
    letter, record, coalition
):
    version, _ = services.save_version(
        letter=letter,
        language="fr",
        subject="Vote — {{ state }}",
        body_source="{{ salutation }}, {{ head_name }} ({{ head_title }})",
        by=coalition.drafter,
    )
    germany = MemberState.objects.get(iso3="DEU")
    merged = services.render_merged(version=version, state=germany)
    assert merged.subject == f"Vote — {germany.localised_name('fr')}"
    assert germany.localised_name("fr") != germany.name
    french = services.render_merged(version=version, state=record["france"])
    assert "Excellence, Ambassador Example (Permanent Representative)" in french.html


def test_voted_no_last_year_prefers_the_plenary_and_only_earlier_sessions(
    coalition, record
):
    campaign = coalition.campaign
    dprk = record["dprk"]
    committee = BallotFactory(
        document=record["plenary"].document,
        body=Body.THIRD_COMMITTEE,
        date=datetime.date(2013, 11, 19),
    )
    Vote.objects.create(ballot=committee, state=dprk, position="A")
    conditions = services.record_conditions(campaign=campaign, state=dprk)
    assert conditions["voted_no_last_year"] is True
    assert conditions["abstained_last_year"] is False

    this_session = BallotFactory(
        document=DocumentFactory(series=campaign.series, session=69),
        body=Body.PLENARY,
        date=datetime.date(2014, 12, 18),
    )
    Vote.objects.create(ballot=this_session, state=dprk, position="Y")
    assert services.record_conditions(campaign=campaign, state=dprk)[
        "voted_no_last_year"
    ]

    record["plenary"].votes.all().delete()
    conditions = services.record_conditions(campaign=campaign, state=dprk)
    assert conditions["abstained_last_year"] is True
    assert conditions["voted_no_last_year"] is False


def test_cosponsor_counts_only_current_cosponsorships_of_this_session(
    coalition, record
):
    france = record["france"]
    campaign = coalition.campaign
    assert services.record_conditions(campaign=campaign, state=france)["cosponsor"]
    Cosponsorship.objects.filter(state=france).update(
        withdrawn_on=datetime.date(2014, 11, 1)
    )
    assert not services.record_conditions(campaign=campaign, state=france)["cosponsor"]


def test_a_state_with_no_record_gets_the_default_passages(letter):
    merged = services.render_merged(
        version=letter.latest_version(), state=MemberState.objects.get(iso3="JPN")
    )
    assert "Please join the cosponsors." in merged.html
    assert "voted no" not in merged.html


def test_a_condition_on_its_own_line_wraps_whole_paragraphs(letter, record):
    merged = services.render_merged(
        version=letter.latest_version(), state=record["france"]
    )
    assert "<p></p>" not in merged.html
    assert "<p>Thank you for cosponsoring.</p>" in merged.html
    assert merged.text.count("\n\n\n") == 0
