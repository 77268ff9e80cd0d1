"""Versions, co-signers and sign-offs: only an approval of the exact text counts."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from campaign.models import Participation
from letters import markup, services
from letters.models import CoSigner, LetterVersion, SignOff

from ..factories import MembershipFactory, OrganisationFactory
from .conftest import BODY, sign_all

pytestmark = pytest.mark.django_db


def edit(letter, coalition, body, language="en", **kwargs):
    latest = letter.latest_version(language)
    return services.save_version(
        letter=letter,
        language=language,
        subject=latest.subject if latest else "Subject",
        body_source=body,
        by=coalition.drafter,
        **kwargs,
    )


def test_every_save_makes_a_new_numbered_version_and_keeps_the_old(letter, coalition):
    first = letter.latest_version()
    second, created = edit(letter, coalition, BODY + "\nP.S. One more line.")
    assert created
    assert (first.number, second.number) == (1, 2)
    assert first.text_hash != second.text_hash
    assert LetterVersion.objects.get(pk=first.pk).body_source == BODY
    assert second.author == coalition.drafter


def test_saving_the_same_text_makes_no_version(letter, coalition):
    version, created = edit(letter, coalition, BODY.replace("\n", "\r\n") + "  ")
    assert not created
    assert version.number == 1
    assert letter.versions.count() == 1


def test_hash_covers_subject_and_body():
    base = markup.text_hash(subject="A", body_source="b", body_html="<p>b</p>")
    assert base == markup.text_hash(
        subject=" A ", body_source="b\r\n", body_html="<p>b</p>"
    )
    assert base != markup.text_hash(subject="A!", body_source="b", body_html="<p>b</p>")
    assert base != markup.text_hash(subject="A", body_source="c", body_html="<p>b</p>")


def test_a_bad_placeholder_is_refused_and_saves_nothing(letter, coalition):
    with pytest.raises(services.merge.MergeError) as caught:
        edit(letter, coalition, "Hello {{ request.user }}")
    assert "request.user" in str(caught.value)
    assert letter.versions.count() == 1


def test_sign_off_records_version_hash_signatory_and_time(letter, coalition):
    version = letter.latest_version()
    signoff = services.sign_off(
        version=version, organisation=coalition.partner, by=coalition.partner_signatory
    )
    assert signoff.version == version
    assert signoff.text_hash == version.text_hash
    assert signoff.signatory == coalition.partner_signatory
    assert abs(signoff.signed_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_only_a_signatory_of_the_organisation_can_sign_for_it(letter, coalition):
    version = letter.latest_version()
    for user in (
        coalition.partner_drafter,
        coalition.lead_signatory,
        coalition.drafter,
    ):
        with pytest.raises(services.LetterError, match="Only a signatory"):
            services.sign_off(version=version, organisation=coalition.partner, by=user)
    assert not SignOff.objects.exists()


def test_an_organisation_must_have_accepted_before_it_signs(letter, coalition):
    other = OrganisationFactory()
    signatory = MembershipFactory(organisation=other, role=Role.SIGNATORY).user
    services.invite_cosigner(letter=letter, organisation=other, by=coalition.drafter)
    with pytest.raises(services.LetterError, match="has not accepted"):
        services.sign_off(
            version=letter.latest_version(), organisation=other, by=signatory
        )


def test_editing_after_sign_offs_needs_reapproval_and_tells_the_signatories(
    letter, coalition, django_capture_on_commit_callbacks, eager_tasks
):
    first = sign_all(letter, coalition)
    assert services.approval_state(letter).original.is_approved

    with django_capture_on_commit_callbacks() as callbacks:
        second, _ = edit(letter, coalition, BODY.replace("the vote", "Tuesday's vote"))
    assert len(callbacks) == 1

    state = services.approval_state(letter).original
    assert state.version == second
    assert not state.is_approved
    assert {r.cosigner.organisation for r in state.needs_reapproval} == {
        coalition.lead,
        coalition.partner,
    }
    assert all(r.earlier.version == first for r in state.needs_reapproval)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reapproval_notice(version_id=second.pk) == 2
    # A retried task finds the messages in the ledger and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reapproval_notice(version_id=second.pk)
    assert len(mail.outbox) == 2
    to_partner = next(
        m for m in mail.outbox if coalition.partner_signatory.email in m.to
    )
    assert "Re-approval needed" in to_partner.subject
    assert "- We write to {{ head_name }}, {{ head_title }}, about the vote." in (
        to_partner.body
    )
    assert "+ We write to {{ head_name }}, {{ head_title }}, about Tuesday's vote." in (
        to_partner.body
    )
    assert second.get_absolute_url() in to_partner.body


def test_reapproving_the_new_version_makes_the_letter_approved_again(letter, coalition):
    sign_all(letter, coalition)
    second, _ = edit(letter, coalition, BODY + "\nAdded.")
    services.set_version_status(version=second, status="ready")
    assert not services.approval_state(letter).is_approved()
    sign_all(letter, coalition)
    state = services.approval_state(letter)
    assert state.is_approved()
    assert all(r.sign_off.version == second for r in state.original.organisations)


def test_an_earlier_version_cannot_be_signed(letter, coalition):
    first = letter.latest_version()
    edit(letter, coalition, BODY + "\nChanged.")
    with pytest.raises(services.LetterError, match="replaced by version 2"):
        services.sign_off(
            version=first,
            organisation=coalition.partner,
            by=coalition.partner_signatory,
        )


def test_a_sign_off_whose_hash_does_not_match_does_not_count(letter, coalition):
    version = sign_all(letter, coalition)
    services.set_version_status(version=version, status="ready")
    assert services.approval_state(letter).is_approved()
    SignOff.objects.filter(organisation=coalition.partner).update(text_hash="0" * 64)
    assert not services.approval_state(letter).is_approved()


def test_a_sign_off_with_a_stale_expected_hash_is_refused(letter, coalition):
    with pytest.raises(services.LetterError, match="changed while you were reading"):
        services.sign_off(
            version=letter.latest_version(),
            organisation=coalition.partner,
            by=coalition.partner_signatory,
            expected_hash="f" * 64,
        )


def test_the_gate_needs_every_accepted_cosigner_and_a_ready_text(letter, coalition):
    version = letter.latest_version()
    services.sign_off(
        version=version, organisation=coalition.lead, by=coalition.lead_signatory
    )
    services.set_version_status(version=version, status="ready")
    assert not services.approval_state(letter).is_approved()
    services.sign_off(
        version=version, organisation=coalition.partner, by=coalition.partner_signatory
    )
    assert services.approval_state(letter).is_approved()
    services.set_version_status(version=version, status="draft")
    assert not services.approval_state(letter).is_approved()


def test_invitations_are_answered_once_and_declines_need_no_sign_off(letter, coalition):
    other = OrganisationFactory()
    cosigner = services.invite_cosigner(
        letter=letter, organisation=other, by=coalition.drafter
    )
    assert cosigner.status == CoSigner.Status.INVITED
    with pytest.raises(services.LetterError, match="already"):
        services.invite_cosigner(
            letter=letter, organisation=other, by=coalition.drafter
        )
    services.respond_to_invitation(cosigner=cosigner, accept=False, by=None)
    with pytest.raises(services.LetterError, match="already answered"):
        services.respond_to_invitation(cosigner=cosigner, accept=True, by=None)
    version = sign_all(letter, coalition)
    services.set_version_status(version=version, status="ready")
    assert services.approval_state(letter).is_approved()


def test_a_partner_may_withdraw_but_the_lead_may_not(letter, coalition):
    partner = letter.cosigners.get(organisation=coalition.partner)
    services.sign_off(
        version=letter.latest_version(),
        organisation=coalition.lead,
        by=coalition.lead_signatory,
    )
    services.set_version_status(version=letter.latest_version(), status="ready")
    assert not services.approval_state(letter).is_approved()
    services.withdraw(cosigner=partner, by=coalition.partner_signatory)
    assert services.approval_state(letter).is_approved()
    with pytest.raises(services.LetterError, match="lead organisation cannot"):
        services.withdraw(
            cosigner=letter.cosigners.get(organisation=coalition.lead), by=None
        )


def test_signatories_are_shown_in_the_chosen_order(letter, coalition):
    third = OrganisationFactory(name="Third Org")
    services.invite_cosigner(letter=letter, organisation=third, by=coalition.drafter)
    names = lambda: [c.organisation for c in letter.cosigners.all()]  # noqa: E731
    assert names() == [coalition.lead, coalition.partner, third]
    services.move_cosigner(cosigner=letter.cosigners.get(organisation=third), up=True)
    assert names() == [coalition.lead, third, coalition.partner]
    services.move_cosigner(
        cosigner=letter.cosigners.get(organisation=coalition.lead), up=True
    )
    assert names() == [coalition.lead, third, coalition.partner]


def test_a_letter_needs_a_lead_that_takes_part_in_the_campaign(coalition):
    stranger = OrganisationFactory()
    with pytest.raises(services.LetterError, match="does not take part"):
        services.create_letter(
            campaign=coalition.campaign,
            lead=stranger,
            title="T",
            subject="S",
            body_source="B",
            by=coalition.drafter,
        )


def test_translations_have_their_own_versions_status_and_sign_offs(letter, coalition):
    english = sign_all(letter, coalition)
    french, _ = edit(letter, coalition, "Texte français.", language="fr")
    state = services.approval_state(letter)
    assert state.languages["en"].is_approved
    assert not state.languages["fr"].is_approved
    assert french.number == 1
    assert english.number == 1
    edit(letter, coalition, "Texte français révisé.", language="fr")
    assert services.approval_state(letter).languages["en"].is_approved


def test_a_contact_gets_their_language_only_when_it_is_ready_and_approved(
    letter, coalition
):
    english = sign_all(letter, coalition)
    services.set_version_status(version=english, status="ready")
    french, _ = edit(letter, coalition, "Texte français.", language="fr")

    def chosen(language):
        return services.version_for_language(letter=letter, language=language)

    assert chosen("fr") == english
    sign_all(letter, coalition, language="fr")
    assert chosen("fr") == english  # approved but still a draft
    services.set_version_status(version=french, status="ready")
    assert chosen("fr") == french
    assert chosen("es") == english


def test_start_from_an_earlier_letter_copies_text_and_nothing_of_its_sign_offs(
    letter, coalition
):
    sign_all(letter, coalition)
    edit(letter, coalition, "Texte.", language="fr")
    new = services.start_from(
        campaign=coalition.campaign,
        lead=coalition.lead,
        title="Next year's letter",
        letter=letter,
        by=coalition.drafter,
    )
    assert new.started_from == letter
    assert new.latest_version().body_source == letter.latest_version().body_source
    assert new.latest_version("fr").body_source == "Texte."
    assert not SignOff.objects.filter(version__letter=new).exists()
    assert list(new.cosigners.values_list("organisation", flat=True)) == [
        coalition.lead.pk
    ]
    assert not new.latest_version().comments.exists()


def test_start_from_a_saved_template(letter, coalition):
    template = services.save_as_template(
        version=letter.latest_version(), name="Standard appeal", by=coalition.drafter
    )
    new = services.start_from(
        campaign=coalition.campaign,
        lead=coalition.lead,
        title="From the template",
        template=template,
        by=coalition.drafter,
    )
    assert new.started_from_template == template
    assert new.latest_version().subject == letter.latest_version().subject
    assert new.versions.count() == 1


def test_publishing_needs_every_approval(letter, coalition):
    with pytest.raises(services.LetterError, match="Every co-signer"):
        services.publish(letter=letter)
    letter.refresh_from_db()
    assert not letter.is_published
    version = sign_all(letter, coalition)
    services.set_version_status(version=version, status="ready")
    services.publish(letter=letter)
    assert letter.is_published and letter.published_at


def test_comments_belong_to_a_version(letter, coalition):
    comment = services.add_comment(
        version=letter.latest_version(), body="  Tighten para 2. ", by=coalition.viewer
    )
    assert comment.body == "Tighten para 2."
    with pytest.raises(services.LetterError):
        services.add_comment(
            version=letter.latest_version(), body="  ", by=coalition.viewer
        )


def test_the_lead_is_the_first_cosigner_and_accepted(letter, coalition):
    first = letter.cosigners.first()
    assert first.organisation == coalition.lead
    assert first.status == CoSigner.Status.ACCEPTED
    assert Participation.objects.filter(organisation=coalition.partner).exists()


def test_a_sign_off_is_in_the_signing_organisation_audit_log(letter, coalition):
    from accounts.models import AuditAction, AuditEvent

    version = letter.latest_version()
    services.sign_off(
        version=version, organisation=coalition.partner, by=coalition.partner_signatory
    )
    event = AuditEvent.objects.get(action=AuditAction.SIGN_OFF)
    assert event.organisation == coalition.partner
    assert event.actor == coalition.partner_signatory
    assert event.data["text_hash"] == version.text_hash


def test_an_invited_organisation_is_told_once_per_invitation(
    letter, coalition, django_capture_on_commit_callbacks, eager_tasks
):
    other = OrganisationFactory(name="Third Watch")
    signatory = MembershipFactory(organisation=other, role=Role.SIGNATORY).user
    admin = MembershipFactory(organisation=other, role=Role.ADMIN).user
    MembershipFactory(organisation=other, role=Role.VIEWER)
    services.set_deadline(
        letter=letter,
        deadline=timezone.make_aware(datetime.datetime(2014, 11, 10, 18, 0)),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cosigner = services.invite_cosigner(
            letter=letter, organisation=other, by=coalition.drafter
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [signatory.email, admin.email]
    )
    message = mail.outbox[0]
    assert message.subject == f"Invitation to co-sign: {letter.title}"
    assert "Third Watch" in message.body
    assert letter.get_absolute_url() in message.body
    assert "10 November 2014" in message.body
    # A retried task finds the messages in the ledger and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_invitation_notice(cosigner_id=cosigner.pk) == 0
    assert len(mail.outbox) == 2
    # Answered: nothing to tell. Invited again after a decline: told again.
    services.respond_to_invitation(cosigner=cosigner, accept=False, by=admin)
    assert services.send_invitation_notice(cosigner_id=cosigner.pk) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_cosigner(
            letter=letter, organisation=other, by=coalition.drafter
        )
    assert len(mail.outbox) == 4
