"""The press-release annex parser and pasted name lists, on realistic UN text."""

import textwrap

import pytest

from campaign.annex import match_names, parse_annex, split_names
from campaign.un_data import MEMBERS

# An excerpt laid out as in a General Assembly press release: a title and the
# sentence with the totals above the lists, names wrapped mid-name at the line
# width, typographic apostrophes, a footnote mark and a footnote below.
PRESS_RELEASE = """\
ANNEX

Vote on Situation of Human Rights in Democratic People’s Republic of Korea

The draft resolution (document A/C.3/69/L.28/Rev.1) was approved by a recorded
vote of 12 in favour to 6 against, with 4 abstentions, as follows:

In favour:  Afghanistan, Albania, Andorra, Bolivia (Plurinational State
of), Côte d’Ivoire, Guinea-
Bissau, Micronesia (Federated States of), Netherlands (Kingdom of the),
Republic of Korea, Saint Vincent and the Grenadines, United Kingdom of
Great Britain and Northern Ireland, United States of America.

Against:  Belarus, China, Cuba*, Democratic People’s Republic of
Korea, Iran (Islamic Republic of), Venezuela (Bolivarian Republic of).

Abstain:  Algeria, Lao People’s Democratic Republic, Türkiye, United
Republic of Tanzania.

Absent:  Bahrain, Belize.

* Subsequently advised the Secretariat it had intended to abstain.
"""


def wrapped_annex(groups: dict[str, list[str]], width: int = 72) -> str:
    """Lists as a press release prints them: wrapped at ``width``, names split."""
    parts = ["Vote on a draft resolution\n\nThe draft was adopted as follows:\n"]
    for heading, names in groups.items():
        line = f"{heading}:  " + ", ".join(names) + "."
        parts.append(
            textwrap.fill(line, width, break_long_words=False, break_on_hyphens=True)
        )
    return "\n\n".join(parts)


def test_excerpt_is_read_into_positions_with_nothing_left_over():
    annex = parse_annex(PRESS_RELEASE)
    assert annex.unmatched == []
    assert annex.duplicates == []
    assert annex.problems == []
    yes = {c for c, p in annex.positions.items() if p == "Y"}
    assert yes == {
        "AFG", "ALB", "AND", "BOL", "CIV", "GNB", "FSM", "NLD", "KOR", "VCT",
        "GBR", "USA",
    }  # fmt: skip
    no = {c for c, p in annex.positions.items() if p == "N"}
    assert no == {"BLR", "CHN", "CUB", "PRK", "IRN", "VEN"}
    abstain = {c for c, p in annex.positions.items() if p == "A"}
    assert abstain == {"DZA", "LAO", "TUR", "TZA"}
    assert {c for c, p in annex.positions.items() if p == "X"} == {"BHR", "BLZ"}
    assert (annex.tally.yes, annex.tally.no, annex.tally.abstain) == (12, 6, 4)
    # The footnote is not a State: it is shown as text not read.
    assert annex.ignored == [
        "* Subsequently advised the Secretariat it had intended to abstain."
    ]


def test_both_koreas_go_to_different_lists():
    annex = parse_annex(PRESS_RELEASE)
    assert annex.positions["KOR"] == "Y"
    assert annex.positions["PRK"] == "N"


@pytest.mark.parametrize("width", [40, 60, 72, 95])
def test_all_193_members_in_the_uns_own_names_at_any_line_width(width):
    names = [name for name, _ in MEMBERS.values()]
    groups = {
        "In favour": names[0::4],
        "Against": names[1::4],
        "Abstaining": names[2::4],
        "Absent": names[3::4],
    }
    annex = parse_annex(wrapped_annex(groups, width))
    assert annex.is_clean, (annex.unmatched, annex.duplicates, annex.ignored)
    assert len(annex.positions) == 193
    code_of = {name: code for code, (name, _) in MEMBERS.items()}
    for heading, position in [
        ("In favour", "Y"), ("Against", "N"), ("Abstaining", "A"), ("Absent", "X")
    ]:  # fmt: skip
        assert {code_of[n] for n in groups[heading]} == {
            c for c, p in annex.positions.items() if p == position
        }


def test_lists_on_one_line_as_in_the_issue():
    annex = parse_annex(
        "In favour: Afghanistan, Albania. Against: Belarus. Abstain: Brazil. "
        "Absent: Chad."
    )
    assert annex.positions == {
        "AFG": "Y", "ALB": "Y", "BLR": "N", "BRA": "A", "TCD": "X"
    }  # fmt: skip
    assert annex.is_clean


def test_ambiguous_and_unknown_names_are_shown_not_guessed():
    annex = parse_annex("In favour: Korea, Atlantis, France.\nAgainst: None.")
    assert annex.positions == {"FRA": "Y"}
    korea, atlantis = annex.unmatched
    assert korea.text == "Korea" and set(korea.candidates) == {"KOR", "PRK"}
    assert korea.position == "Y"
    assert atlantis.text == "Atlantis" and not atlantis.is_ambiguous


def test_a_state_in_two_lists_is_left_out_and_reported():
    annex = parse_annex(
        "In favour: France, Cuba, Chile, Chile.\nAgainst: Cuba.\nAbstain: Peru."
    )
    assert "CUB" not in annex.positions
    assert annex.positions["CHL"] == "Y"  # twice in the same list: no doubt
    by_code = {d.iso3: d for d in annex.duplicates}
    assert by_code["CUB"].conflicts and by_code["CUB"].positions == ("Y", "N")
    assert not by_code["CHL"].conflicts


def test_text_without_headings_is_a_problem():
    annex = parse_annex("France, Germany, Italy")
    assert annex.positions == {}
    assert "No list found" in annex.problems[0]


def test_two_votes_pasted_at_once_are_refused_clearly():
    annex = parse_annex(
        "In favour: France.\nAgainst: Cuba.\n\nIn favour: Chile.\nAgainst: Peru."
    )
    assert any("more than one vote" in p for p in annex.problems)


def test_cosponsor_lists_split_on_commas_lines_and_a_final_and():
    assert split_names("Albania, Andorra,\nAustralia; Austria.") == [
        "Albania", "Andorra", "Australia", "Austria"
    ]  # fmt: skip
    assert split_names("France\nGermany\n\nSaint Kitts and Nevis\n") == [
        "France", "Germany", "Saint Kitts and Nevis"
    ]  # fmt: skip
    found = match_names(
        split_names("Sweden, Bosnia and Herzegovina and Trinidad and Tobago")
    )
    assert [c for c, _ in found.states] == ["SWE", "BIH", "TTO"]
    assert found.unmatched == []
