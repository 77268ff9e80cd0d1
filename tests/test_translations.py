"""The French and Spanish catalogues are complete, and public pages speak them."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from campaign import pagecache
from campaign.models import Ballot, MemberState, Outcome, Vote

from .factories import BallotFactory

COMPLETE_LANGUAGES = ["fr", "es"]
PLACEHOLDER = re.compile(r"%\(\w+\)s|%[sd]|</?[a-z]+\b[^>]*>")


def catalogue(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: flags, msgid, msgid_plural and msgstr[n] as text."""
    entries, entry, field = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#~"):
            continue  # obsolete entries are not shown to anybody
        if line.startswith("#,"):
            close()
            entry, field = {"flags": {f.strip() for f in line[2:].split(",")}}, None
            continue
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            entry[field] += ast.literal_eval(line)
            continue
        if keyword in ("msgctxt", "msgid") and (entry is None or "msgid" in entry):
            close()
            entry = {"flags": set()}
        field = keyword
        entry[field] = ast.literal_eval(rest)
    close()
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


def translations(entry: dict) -> list[str]:
    return [v for k, v in entry.items() if k.startswith("msgstr")]


def assert_complete(path: Path, language: str) -> None:
    entries = read_po(path)
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in entries if not all(translations(e))]
    assert not fuzzy, f"{language}: fuzzy entries {fuzzy[:10]}"
    assert not untranslated, f"{language}: untranslated entries {untranslated[:10]}"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_catalogue_has_no_fuzzy_or_untranslated_entry(language):
    assert len(read_po(catalogue(language))) > 700
    assert_complete(catalogue(language), language)


def test_catalogues_regenerated_from_the_source_stay_complete(tmp_path):
    """A string marked in the code but missing from the catalogues fails here."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    base = Path(settings.BASE_DIR)
    skipped = {".venv", "var", "bench", "tests", "static", "node_modules"}
    for child in base.iterdir():
        if child.name in skipped or child.name.startswith("."):
            continue
        if child.is_dir():
            shutil.copytree(child, tmp_path / child.name)
        elif child.suffix == ".py":
            shutil.copy(child, tmp_path / child.name)
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete"]
    command += [f"--locale={language}" for language in COMPLETE_LANGUAGES]
    subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        check=True,
    )
    for language in COMPLETE_LANGUAGES:
        path = tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"
        assert_complete(path, language)


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    compiled = gettext.GNUTranslations(
        catalogue(language).with_suffix(".mo").open("rb")
    )
    stale = []
    for entry in read_po(catalogue(language)):
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if "msgid_plural" in entry:
            found = compiled._catalog.get((key, 0))
            expected = entry["msgstr[0]"]
        else:
            found, expected = compiled._catalog.get(key), entry["msgstr"]
        if found != expected:
            stale.append(entry["msgid"])
    assert not stale, f"{language}: run compilemessages; stale {stale[:10]}"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in read_po(catalogue(language)):
        if "msgid_plural" in entry:
            pairs = [(entry["msgid"], entry["msgstr[0]"])] + [
                (entry["msgid_plural"], v)
                for k, v in entry.items()
                if k.startswith("msgstr[") and k != "msgstr[0]"
            ]
        else:
            pairs = [(entry["msgid"], entry["msgstr"])]
        for source, translated in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(
                PLACEHOLDER.findall(translated)
            ):
                wrong.append(source)
    assert not wrong, f"{language}: placeholders differ in {wrong[:10]}"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_msgfmt_counts_every_message_translated(language):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", catalogue(language)],
        capture_output=True,
        text=True,
        check=True,
    )
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages\.", statistics), statistics


@pytest.fixture
def adopted_ballot(db):
    cache.clear()
    pagecache._local.clear()
    ballot = BallotFactory(outcome=Outcome.ADOPTED)
    states = MemberState.objects.in_bulk(["DEU", "FRA", "CUB"], field_name="iso3")
    Vote.objects.bulk_create(
        Vote(ballot=ballot, state=states[iso3], position=position)
        for iso3, position in {"DEU": "Y", "FRA": "Y", "CUB": "N"}.items()
    )
    Ballot.objects.filter(pk=ballot.pk).update(version=ballot.version + 1)
    yield ballot
    cache.clear()
    pagecache._local.clear()


@pytest.mark.parametrize(
    "language, outcome, group, heading",
    [
        (
            "fr",
            "Adopté",
            "Groupe des États d’Europe occidentale et autres États",
            "Le vote de chaque État",
        ),
        (
            "es",
            "Aprobado",
            "Grupo de Estados de Europa Occidental y otros Estados",
            "Cómo votó cada Estado",
        ),
    ],
)
def test_ballot_page_speaks_the_visitors_language(
    client, adopted_ballot, language, outcome, group, heading
):
    page = client.get(
        adopted_ballot.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert f'lang="{language}"' in page
    for text in (outcome, group, heading):
        assert text in page
    english = client.get(
        adopted_ballot.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert group not in english and "Western European and Others Group" in english


@pytest.mark.parametrize(
    "language, text",
    [("fr", "Troisième Commission"), ("es", "Tercera Comisión")],
)
def test_series_page_names_the_body_in_the_visitors_language(
    client, adopted_ballot, language, text
):
    url = adopted_ballot.document.series.get_absolute_url()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert text in page
