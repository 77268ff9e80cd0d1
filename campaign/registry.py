"""The member-state registry, assembled from countrygroups, pycountry and un_data."""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import countrygroups
import pycountry

from . import un_data

# countrygroups' names for the five groups, mapped to ours.
GROUPS = {
    "AFRICAN_GROUP": "AFR",
    "ASIA_PACIFIC_GROUP": "APG",
    "EASTERN_EUROPEAN_GROUP": "EEG",
    "GRULAC": "GRULAC",
    "WEOG": "WEOG",
}
# Türkiye takes part in both the Asia-Pacific Group and WEOG; for elections
# it counts in WEOG, and so do we, so that the groups partition the 193.
COUNTED_IN = {"TUR": "WEOG"}

# Blocs campaigners target, as countrygroups keeps them.
BLOCS = {
    "eu": ("European Union", "EUROPEAN_UNION"),
    "arab-group": ("Arab Group", "ARAB_GROUP"),
    "g77": ("Group of 77", "G77"),
    "oecd": ("OECD", "OECD"),
    "ldc": ("Least developed countries", "LDC"),
    "lldc": ("Landlocked developing countries", "LLDC"),
    "sids": ("Small island developing states", "SIDS"),
    "aosis": ("Alliance of Small Island States", "AOSIS"),
    "brics": ("BRICS", "BRICS"),
    "g20": ("G20", "G20"),
    "g7": ("G7", "G7"),
    "opec": ("OPEC", "OPEC"),
}

# pycountry's locale names for the UN languages other than English.
LOCALES = {"ar": "ar", "zh": "zh_CN", "fr": "fr", "ru": "ru", "es": "es"}


@dataclass(frozen=True)
class StateFacts:
    iso3: str
    iso2: str
    name: str
    regional_group: str
    member_since: date | None
    is_observer: bool
    observer_since: date | None
    names: dict[str, str] = field(default_factory=dict)
    blocs: tuple[str, ...] = ()


@cache
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[LOCALES[language]], fallback=True
    )


def translated_names(iso3: str) -> dict[str, str]:
    """The state's name in the other UN languages, where pycountry has them."""
    country = pycountry.countries.get(alpha_3=iso3)
    names = {}
    for language in LOCALES:
        translated = _translations(language).gettext(country.name)
        if translated != country.name:
            names[language] = translated
    return names


def regional_group_of(iso3: str) -> str:
    if iso3 in COUNTED_IN:
        return COUNTED_IN[iso3]
    for attribute, code in GROUPS.items():
        if iso3 in getattr(countrygroups.UN_REGIONAL_GROUPS, attribute):
            return code
    return ""


def blocs_of(iso3: str) -> tuple[str, ...]:
    return tuple(
        code
        for code, (_name, attribute) in BLOCS.items()
        if iso3 in getattr(countrygroups, attribute)
    )


def all_states() -> list[StateFacts]:
    """Every member state and observer state, with the facts the site keeps."""
    states = []
    for iso3, (name, admitted) in un_data.MEMBERS.items():
        states.append(
            StateFacts(
                iso3=iso3,
                iso2=pycountry.countries.get(alpha_3=iso3).alpha_2,
                name=name,
                regional_group=regional_group_of(iso3),
                member_since=admitted,
                is_observer=False,
                observer_since=None,
                names=translated_names(iso3),
                blocs=blocs_of(iso3),
            )
        )
    for iso3, (name, since) in un_data.OBSERVERS.items():
        states.append(
            StateFacts(
                iso3=iso3,
                iso2=pycountry.countries.get(alpha_3=iso3).alpha_2,
                name=name,
                regional_group="",
                member_since=None,
                is_observer=True,
                observer_since=since,
                names=translated_names(iso3),
                blocs=blocs_of(iso3),
            )
        )
    return states
