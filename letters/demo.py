"""Demo joint letters with fictional text, so the letter pages have content."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from accounts.models import Organisation, Role
from campaign.models import Ballot, Campaign, Stance

from . import appeal_services, services
from .models import Appeal, Letter
from .targeting import NOT_COSPONSOR, Criteria

DPRK_TITLE = "Demo letter (fictional text) before the Third Committee vote"
EXERCISE_TITLE = "Exercise letter on Ruritania (fictional)"
EXERCISE_APPEAL = "Exercise appeal (fictional): abstainers not cosponsoring"
# Where missions' replies to the demo appeals go (Reply-To).
DEMO_REPLY_TO = {"AI": "ai-appeals@example.org", "DPN": "dpn-appeals@example.org"}

DPRK_SUBJECT = "Demo letter (fictional text): please vote yes on the DPRK draft"

DPRK_BODY_V1 = """{{ salutation }},

*This is a demo letter with fictional text, written to show how the site works.
It is not the letter the organisations sent in 2014.*

We write ahead of the Third Committee's vote on the draft resolution on the
situation of human rights in the Democratic People's Republic of Korea to urge
{{ state }} to vote yes.

{% if voted_no_last_year %}
We noted that {{ state }} voted against the resolution last year, and ask your
delegation to consider the Commission of Inquiry's findings afresh.
{% endif %}

{% if cosponsor %}
We thank {{ state }} for cosponsoring this year's draft.
{% else %}
We invite {{ state }} to join the cosponsors of this year's draft.
{% endif %}

Yours sincerely,
"""

DPRK_BODY_V2 = DPRK_BODY_V1.replace(
    "to urge\n{{ state }} to vote yes.",
    "to urge\n{{ state }} to vote yes, and to vote no on any amendment that would "
    "remove\nthe paragraphs on accountability.",
)

DPRK_FRENCH_SUBJECT = (
    "Lettre de démonstration (texte fictif) : votez oui sur le projet relatif à la RPDC"
)
DPRK_FRENCH_BODY = """{{ salutation }},

*Lettre de démonstration au texte fictif, pour montrer le fonctionnement du site.
Ce n'est pas la lettre envoyée par les organisations en 2014.*

Nous vous écrivons avant le vote de la Troisième Commission sur le projet de
résolution relatif à la situation des droits de l'homme en République populaire
démocratique de Corée, pour demander à {{ state }} de voter pour.

Veuillez agréer, {{ salutation }}, l'assurance de notre haute considération.
"""

EXERCISE_BODY = """{{ salutation }},

*Exercise: a fictional letter on a fictional resolution.*

{% if voted_no_last_year %}
Last session {{ state }} voted no on the Ruritania resolution. We hope your
delegation will reconsider.
{% endif %}
{% if voted_yes_last_year %}
We thank {{ state }} for voting yes last session.
{% endif %}

{% if cosponsor %}
Thank you for cosponsoring this session's draft.
{% else %}
Please join the cosponsors of this session's draft.
{% endif %}
"""


def load_demo_letters() -> None:
    """Create the demo letters once; when they exist, change nothing."""
    organisations = {o.short_name: o for o in Organisation.objects.all()}
    users = {u.email: u for u in get_user_model().objects.all()}

    def user(short: str, role: str):
        return users[f"{short.lower()}-{role}@example.org"]

    dprk = Campaign.objects.filter(slug="dprk-2014").first()
    if dprk and not Letter.objects.filter(campaign=dprk, title=DPRK_TITLE).exists():
        drafter = user("AI", Role.DRAFTER)
        letter = services.create_letter(
            campaign=dprk,
            lead=organisations["AI"],
            title=DPRK_TITLE,
            subject=DPRK_SUBJECT,
            body_source=DPRK_BODY_V1,
            by=drafter,
        )
        for short in ("HRW", "JBI"):
            cosigner = services.invite_cosigner(
                letter=letter, organisation=organisations[short], by=drafter
            )
            services.respond_to_invitation(
                cosigner=cosigner, accept=True, by=user(short, Role.SIGNATORY)
            )
        services.sign_off(
            version=letter.latest_version(),
            organisation=organisations["HRW"],
            by=user("HRW", Role.SIGNATORY),
        )
        version, _ = services.save_version(
            letter=letter,
            language="en",
            subject=DPRK_SUBJECT,
            body_source=DPRK_BODY_V2,
            status="ready",
            by=user("HRW", Role.DRAFTER),
        )
        services.sign_off(
            version=version,
            organisation=organisations["AI"],
            by=user("AI", Role.SIGNATORY),
        )
        services.save_version(
            letter=letter,
            language="fr",
            subject=DPRK_FRENCH_SUBJECT,
            body_source=DPRK_FRENCH_BODY,
            by=drafter,
        )
        services.add_comment(
            version=version,
            body="Added the amendment paragraph, as HRW suggested. (demo)",
            by=drafter,
        )

    exercise = Campaign.objects.filter(slug="exercise-ruritania").first()
    if (
        exercise
        and not Letter.objects.filter(campaign=exercise, title=EXERCISE_TITLE).exists()
    ):
        letter = services.create_letter(
            campaign=exercise,
            lead=organisations["AI"],
            title=EXERCISE_TITLE,
            subject="Exercise (fictional): the Ruritania vote — {{ state }}",
            body_source=EXERCISE_BODY,
            by=user("AI", Role.DRAFTER),
        )
        services.invite_cosigner(
            letter=letter,
            organisation=organisations["DPN"],
            by=user("AI", Role.DRAFTER),
        )
    load_demo_appeals()


def load_demo_appeals() -> None:
    """A draft appeal for the exercise campaign, never launched, to try targeting."""
    for short, email in DEMO_REPLY_TO.items():
        Organisation.objects.filter(short_name=short, email="").update(email=email)
    exercise = Campaign.objects.filter(slug="exercise-ruritania").first()
    letter = Letter.objects.filter(campaign=exercise, title=EXERCISE_TITLE).first()
    if letter is None or Appeal.objects.filter(campaign=exercise).exists():
        return
    last_session = (
        Ballot.objects.filter(
            document__series=exercise.series,
            document__session__lt=exercise.session,
            question=Ballot.Question.DRAFT,
        )
        .order_by("-date")
        .first()
    )
    appeal_services.create_appeal(
        campaign=exercise,
        letter=letter,
        name=EXERCISE_APPEAL,
        criteria=Criteria(
            ballot=last_session.pk if last_session else None,
            positions=["A"] if last_session else [],
            cosponsor=NOT_COSPONSOR,
            stances=[
                Stance.Position.UNDECIDED,
                Stance.Position.LEANING_YES,
                Stance.Position.LEANING_NO,
            ],
        ),
        by=get_user_model().objects.filter(email="ai-sender@example.org").first(),
    )
