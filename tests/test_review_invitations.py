"""Invitations by e-mail: owners make, list and revoke links; whoever opens one joins, with a new account if need be."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from reviews.models import MAX_PENDING_INVITATIONS, Change, ChangeKind, Invitation, InvitationRefused, Membership, Role
from tests.factories import logged_in, make_user

NEW_ACCOUNT = {"username": "nina", "password1": "a long enough passphrase", "password2": "a long enough passphrase"}


def create_url(team):
    return reverse("reviews:settings_invitation_create", args=[team.review.slug])


def revoke_url(team, invitation):
    return reverse("reviews:settings_invitation_revoke", args=[team.review.slug, invitation.pk])


def invite(team, email="nina@example.org", role=Role.REVIEWER):
    return Invitation.objects.invite(team.review, email, role, invited_by=team.alice)


def member_role(team, username):
    return Membership.objects.filter(review=team.review, user__username=username).values_list("role", flat=True).first()


# The model: one write path for inviting, accepting and revoking.


def test_an_invitation_is_pending_for_fourteen_days_with_an_unguessable_token(team):
    invitation = invite(team)

    assert len(invitation.token) >= 43
    assert invitation.expires_at - timezone.now() > timedelta(days=13, hours=23)
    assert list(Invitation.objects.pending()) == [invitation]
    assert invitation.problem == ""


def test_accepting_makes_a_member_with_the_role_and_uses_the_invitation_up(team):
    invitation = invite(team, role=Role.OBSERVER)
    nina = make_user("nina")

    membership, joined = invitation.accept(nina)

    assert joined
    assert membership.role == Role.OBSERVER
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina
    assert "already been used" in invitation.problem
    with pytest.raises(InvitationRefused, match="already been used"):
        invitation.accept(team.eve)
    assert member_role(team, "eve") is None
    # Joining is on the review's record, like a member an owner adds.
    joined_record = Change.objects.get(review=team.review, kind=ChangeKind.SETTING)
    assert (joined_record.user, joined_record.subject, joined_record.after) == (
        nina,
        "member:nina",
        {"role": "observer", "invitation": True},
    )


def test_a_member_accepting_keeps_their_role_and_leaves_the_invitation_pending(team):
    invitation = invite(team, role=Role.OWNER)

    membership, joined = invitation.accept(team.bob)

    assert not joined
    assert membership.role == Role.REVIEWER
    assert list(Invitation.objects.pending()) == [invitation]


def test_inviting_a_members_address_or_a_pending_one_says_so(team):
    team.bob.email = "Bob@Example.org"
    team.bob.save()
    invite(team, "nina@example.org")

    with pytest.raises(InvitationRefused, match="belongs to bob, who is already a member"):
        invite(team, "bob@example.org")
    with pytest.raises(InvitationRefused, match="already has a pending invitation"):
        invite(team, "NINA@example.org")


def test_the_pending_invitations_of_a_review_are_capped(team):
    tomorrow = timezone.now() + timedelta(days=1)
    Invitation.objects.bulk_create(
        Invitation(review=team.review, email=f"p{n}@example.org", token=f"t{n}", expires_at=tomorrow)
        for n in range(MAX_PENDING_INVITATIONS)
    )

    with pytest.raises(InvitationRefused, match=f"already has {MAX_PENDING_INVITATIONS} pending invitations"):
        invite(team)
    Invitation.objects.filter(token="t0").update(revoked_at=timezone.now())
    assert invite(team).pk


# Owners on the settings page.


def test_an_owner_invites_by_email_and_sees_the_link_to_copy(client, team):
    logged_in(client, team.alice)

    response = client.post(create_url(team), {"email": "nina@example.org", "role": "observer"})

    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert response.url.endswith("#invitations")
    assert (invitation.review, invitation.email, invitation.role, invitation.invited_by) == (
        team.review,
        "nina@example.org",
        Role.OBSERVER,
        team.alice,
    )
    page = client.get(response.url)
    assert "Invited nina@example.org as observer" in page.text
    assert f'value="http://testserver/invitations/{invitation.token}/"' in page.text
    assert "Marginalia sends no e-mail" in page.text


def test_an_owner_still_adds_an_existing_user_by_username_at_once(client, team):
    logged_in(client, team.alice).post(
        reverse("reviews:settings_member_add", args=[team.review.slug]), {"username": "eve", "role": "observer"}
    )

    assert member_role(team, "eve") == Role.OBSERVER


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Type the e-mail address"),
        ("not-an-address", "Enter a valid email address"),
        ("bob@x.org", "already a member"),
    ],
)
def test_a_refused_invitation_says_why_beside_the_form_and_saves_nothing(client, team, email, message):
    team.bob.email = "bob@x.org"
    team.bob.save()

    response = logged_in(client, team.alice).post(create_url(team), {"email": email, "role": "reviewer"})

    assert response.status_code == 422
    assert message in response.context["invitation_form"].errors["email"][0]
    assert not Invitation.objects.exists()


def test_the_limit_on_pending_invitations_is_a_clear_message(client, team, monkeypatch):
    monkeypatch.setattr("reviews.models.invitation.MAX_PENDING_INVITATIONS", 1)
    invite(team, "first@example.org")

    response = logged_in(client, team.alice).post(create_url(team), {"email": "nina@example.org", "role": "reviewer"})

    assert response.status_code == 422
    assert "already has 1 pending invitations, the most it can hold: revoke some first." in response.text
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("bob", 403), ("olivia", 403), ("eve", 404)])
def test_only_owners_invite_and_revoke(client, team, who, status):
    invitation = invite(team)
    logged_in(client, getattr(team, who))

    assert client.post(create_url(team), {"email": "x@example.org", "role": "owner"}).status_code == status
    assert client.post(revoke_url(team, invitation)).status_code == status
    assert list(Invitation.objects.pending()) == [invitation]


def test_anonymous_visitors_cannot_invite(client, team):
    response = client.post(create_url(team), {"email": "x@example.org", "role": "owner"})

    assert response.status_code == 302
    assert not Invitation.objects.exists()


def test_an_owner_revokes_a_pending_invitation_and_its_link_stops_working(client, team):
    invitation = invite(team)
    logged_in(client, team.alice)

    response = client.post(revoke_url(team, invitation))

    assert response.status_code == 302
    assert "Revoked the invitation of nina@example.org" in client.get(response.url).text
    assert not Invitation.objects.pending().exists()
    client.logout()
    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 410
    assert "revoked" in page.text


def test_an_invitation_of_another_review_cannot_be_revoked_from_this_one(client, team):
    from tests.factories import make_review

    other = make_review("other", members={team.eve: Role.OWNER})
    invitation = Invitation.objects.invite(other, "nina@example.org", Role.REVIEWER, invited_by=team.eve)

    assert logged_in(client, team.alice).post(revoke_url(team, invitation)).status_code == 404
    assert Invitation.objects.pending().get() == invitation


# Opening the link.


def test_a_new_person_sets_a_username_and_password_and_lands_in_the_review(client, team):
    invitation = invite(team)

    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 200
    assert "Join “Llm Review”" in page.text
    response = client.post(invitation.get_absolute_url(), NEW_ACCOUNT)

    assert response.status_code == 302
    assert response.url == team.review.get_absolute_url()
    nina = get_user_model().objects.get(username="nina")
    assert nina.email == "nina@example.org"
    assert nina.check_password("a long enough passphrase")
    assert member_role(team, "nina") == Role.REVIEWER
    landing = client.get(response.url)
    assert landing.status_code == 200
    assert landing.context["user"] == nina
    assert "you joined as reviewer" in landing.text


def test_a_bad_password_or_a_taken_username_creates_nobody(client, team):
    invitation = invite(team)

    short = client.post(invitation.get_absolute_url(), {**NEW_ACCOUNT, "password1": "x", "password2": "x"})
    taken = client.post(invitation.get_absolute_url(), {**NEW_ACCOUNT, "username": "bob"})

    assert short.status_code == taken.status_code == 422
    assert short.context["form"].errors["password2"]
    assert taken.context["form"].errors["username"]
    assert not get_user_model().objects.filter(username="nina").exists()
    assert Invitation.objects.pending().get() == invitation


def test_a_logged_in_person_joins_with_one_button(client, team):
    invitation = invite(team, role=Role.OBSERVER)
    logged_in(client, team.eve)

    page = client.get(invitation.get_absolute_url())
    assert "Join as eve" in page.text
    response = client.post(invitation.get_absolute_url())

    assert response.url == team.review.get_absolute_url()
    assert member_role(team, "eve") == Role.OBSERVER
    assert client.get(response.url).status_code == 200


def test_a_member_opening_an_invitation_is_told_so_keeps_their_role_and_leaves_it_usable(client, team):
    invitation = invite(team, role=Role.OWNER)
    logged_in(client, team.alice)

    page = client.get(invitation.get_absolute_url())
    assert "You are already a member of this review, as owner." in page.text
    assert "Join as" not in page.text
    response = logged_in(client, team.bob).post(invitation.get_absolute_url())

    assert member_role(team, "bob") == Role.REVIEWER
    assert "You were already a member of “Llm Review”, as reviewer; the invitation is left for nina@example.org." in (
        client.get(response.url).text
    )
    client.logout()
    client.post(invitation.get_absolute_url(), NEW_ACCOUNT)
    assert member_role(team, "nina") == Role.OWNER


def test_someone_with_an_account_is_offered_the_login_that_brings_them_back(client, team):
    invitation = invite(team)

    page = client.get(invitation.get_absolute_url())

    assert f'href="{reverse("login")}?next=/invitations/{invitation.token}/"' in page.text


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("user", [None, "eve"])
def test_expired_revoked_used_and_tampered_links_get_a_clear_page(client, team, method, user):
    expired = invite(team, "old@example.org")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = invite(team, "gone@example.org")
    revoked.revoke()
    used = invite(team, "used@example.org")
    used.accept(make_user("used"))
    if user:
        logged_in(client, getattr(team, user))
    cases = {
        expired.get_absolute_url(): (410, "has expired"),
        revoked.get_absolute_url(): (410, "was revoked"),
        used.get_absolute_url(): (410, "already been used"),
        used.get_absolute_url()[:-6] + "tamper/": (404, "not valid"),
        "/invitations/x/": (404, "not valid"),
    }
    for url, (status, text) in cases.items():
        response = getattr(client, method)(url, NEW_ACCOUNT)

        assert response.status_code == status, url
        assert text in response.text
        assert 'href="/"' in response.text
    assert member_role(team, "eve") is None
    assert not get_user_model().objects.filter(username="nina").exists()


def test_an_invitation_used_up_during_the_submit_creates_no_account(client, team, monkeypatch):
    invitation = invite(team)

    def used_meanwhile(self, user):
        raise InvitationRefused("This invitation has already been used.")

    monkeypatch.setattr(Invitation, "accept", used_meanwhile)
    response = client.post(invitation.get_absolute_url(), NEW_ACCOUNT)

    assert response.status_code == 410
    assert not get_user_model().objects.filter(username="nina").exists()
    assert "_auth_user_id" not in client.session
