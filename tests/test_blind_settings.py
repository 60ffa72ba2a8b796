"""The screening settings' one write path (reviews/configuring.py), the settings page and creation form that use
it, member changes in the history, and the admin kept from non-staff members of a blind review."""

import pytest
from django.contrib import admin
from django.urls import reverse

from reviews import annotating, configuring
from reviews.annotating import NotAllowed, Refused
from reviews.models import Change, ChangeKind, ConflictRule, Membership, Review, ReviewPaper, Role, TeamStatus
from tests.factories import logged_in, make_paper, make_review, make_user


@pytest.fixture
def screened(team):
    """bob included the first paper and dave marked it maybe; bob excluded the other."""
    bob, dave = (Membership.objects.get(review=team.review, user=user) for user in (team.bob, team.dave))
    annotating.decide(bob, team.paper.pk, "include")
    annotating.decide(dave, team.paper.pk, "maybe")
    annotating.decide(bob, team.other_paper.pk, "exclude")
    return team


def owner(team) -> Membership:
    return Membership.objects.select_related("review", "user").get(review=team.review, user=team.alice)


def status_of(team, paper) -> str:
    return ReviewPaper.objects.get(review=team.review, paper=paper).team_status


def settings_history(team):
    return list(
        Change.objects.filter(review=team.review, kind=ChangeKind.SETTING)
        .order_by("pk")
        .values_list("subject", "before", "after", "user__username")
    )


def test_changing_the_screening_rules_records_each_field_and_recounts_every_paper(screened):
    team = screened
    assert status_of(team, team.paper) == TeamStatus.CONFLICT  # one required, strict: include ≠ maybe

    changed = configuring.change_settings(
        owner(team), {"blind": True, "required_screeners": 2, "conflict_rule": ConflictRule.MAYBE_INCLUDES}
    )

    assert changed == ["blind", "required_screeners", "conflict_rule"]
    assert settings_history(team) == [
        ("blind", {"value": False}, {"value": True}, "alice"),
        ("required_screeners", {"value": 1}, {"value": 2}, "alice"),
        ("conflict_rule", {"value": "strict"}, {"value": "maybe_includes"}, "alice"),
    ]
    assert status_of(team, team.paper) == TeamStatus.INCLUDED, "maybe goes with include now"
    assert status_of(team, team.other_paper) == TeamStatus.AWAITING, "one decision of the two now required"
    assert list(ReviewPaper.objects.filter(review=team.review).summary_mismatches()) == [], "as a full recount"


def test_saving_unchanged_settings_records_nothing(screened):
    team = screened

    assert configuring.change_settings(owner(team), {"blind": False, "required_screeners": 1}) == []
    assert settings_history(team) == []


def test_lowering_required_screeners_below_decisions_already_made_is_refused(screened):
    team = screened
    configuring.change_settings(owner(team), {"required_screeners": 3})
    before = list(ReviewPaper.objects.order_by("pk").values())

    with pytest.raises(Refused) as refused:
        configuring.change_settings(owner(team), {"required_screeners": 1})

    assert refused.value.message == (
        "1 paper already has 2 decisions, so required screeners cannot go below 2. Nothing was changed."
    )
    assert Review.objects.get(pk=team.review.pk).required_screeners == 3
    assert list(ReviewPaper.objects.order_by("pk").values()) == before
    assert len(settings_history(team)) == 1


def test_the_refusal_names_each_count_of_decisions_papers_hold(screened):
    team = screened
    configuring.change_settings(owner(team), {"required_screeners": 3})
    annotating.decide(owner(team), team.paper.pk, "include")
    annotating.decide(Membership.objects.get(review=team.review, user=team.dave), team.other_paper.pk, "exclude")

    with pytest.raises(Refused) as refused:
        configuring.change_settings(owner(team), {"required_screeners": 1})

    assert refused.value.message == (
        "2 papers already have 2 or 3 decisions, so required screeners cannot go below 3. Nothing was changed."
    )


def test_the_refusal_names_the_reviews_own_number_when_papers_hold_more_decisions_than_it_asks(screened):
    team = screened
    configuring.change_settings(owner(team), {"required_screeners": 2})
    annotating.decide(owner(team), team.paper.pk, "include")  # a third screener beyond the two asked for

    with pytest.raises(Refused) as refused:
        configuring.change_settings(owner(team), {"required_screeners": 1})

    assert refused.value.message == (
        "1 paper already has 3 decisions, so required screeners cannot go below 2. Nothing was changed."
    )
    assert configuring.change_settings(owner(team), {"required_screeners": 2, "blind": True}) == ["blind"]


def test_only_owners_change_settings(screened):
    bob = Membership.objects.select_related("review").get(review=screened.review, user=screened.bob)

    with pytest.raises(NotAllowed):
        configuring.change_settings(bob, {"blind": True})


def test_the_settings_page_saves_screening_settings(client, screened):
    team = screened
    url = reverse("reviews:settings_screening", args=[team.review.slug])

    response = logged_in(client, team.alice).post(
        url, {"blind": "on", "required_screeners": "2", "conflict_rule": "strict"}
    )

    assert response.status_code == 302
    review = Review.objects.get(pk=team.review.pk)
    assert (review.blind, review.required_screeners) == (True, 2)
    assert "Saved the screening settings (blind screening, required screeners)." in client.get(response.url).text


def test_the_settings_page_shows_a_refusal_and_saves_nothing(client, screened):
    team = screened
    url = reverse("reviews:settings_screening", args=[team.review.slug])
    configuring.change_settings(owner(team), {"required_screeners": 2})

    response = logged_in(client, team.alice).post(url, {"required_screeners": "1", "conflict_rule": "strict"})

    assert response.status_code == 422
    assert "cannot go below 2" in response.text
    assert Review.objects.get(pk=team.review.pk).blind is False


@pytest.mark.parametrize("bad", [{"required_screeners": "4"}, {"required_screeners": "0"}, {"conflict_rule": "x"}])
def test_bad_screening_values_are_refused_with_a_message(client, team, bad):
    url = reverse("reviews:settings_screening", args=[team.review.slug])

    response = logged_in(client, team.alice).post(url, {"required_screeners": "2", "conflict_rule": "strict", **bad})

    assert response.status_code == 422
    assert Review.objects.get(pk=team.review.pk).required_screeners == 1


def test_reviewers_cannot_save_screening_settings(client, team):
    url = reverse("reviews:settings_screening", args=[team.review.slug])

    response = logged_in(client, team.bob).post(url, {"required_screeners": "3", "conflict_rule": "strict"})

    assert response.status_code == 403
    assert Review.objects.get(pk=team.review.pk).required_screeners == 1


def test_the_details_form_goes_through_the_write_path_too(client, team):
    url = reverse("reviews:settings_details", args=[team.review.slug])

    logged_in(client, team.alice).post(url, {"title": "Renamed"})

    assert ("title", {"value": "Llm Review"}, {"value": "Renamed"}, "alice") in settings_history(team)


def test_a_new_review_takes_its_screening_settings_from_the_form(client, team):
    response = logged_in(client, team.bob).post(
        reverse("reviews:create"), {"title": "Dual", "required_screeners": "3", "conflict_rule": "maybe_includes"}
    )

    assert response.status_code == 302
    review = Review.objects.get(title="Dual")
    assert (review.blind, review.required_screeners, review.conflict_rule) == (False, 3, "maybe_includes")
    form_html = client.get(reverse("reviews:create")).text
    assert 'name="blind"' in form_html and "checked" in form_html, "blind is on by default"


def test_member_changes_are_recorded(client, team):
    rosa = make_user("rosa")
    logged_in(client, team.alice)
    client.post(
        reverse("reviews:settings_member_add", args=[team.review.slug]), {"username": "rosa", "role": "resolver"}
    )
    membership = Membership.objects.get(user=rosa)
    client.post(
        reverse("reviews:settings_member_role", args=[team.review.slug, membership.pk]), {"role": Role.REVIEWER}
    )
    client.post(reverse("reviews:settings_member_remove", args=[team.review.slug, membership.pk]))

    assert settings_history(team) == [
        ("member:rosa", None, {"role": "resolver"}, "alice"),
        ("member:rosa", {"role": "resolver"}, {"role": "reviewer"}, "alice"),
        ("member:rosa", {"role": "reviewer"}, None, "alice"),
    ]


def test_the_role_choices_offer_resolvers_and_explain_the_roles(client, team):
    html = logged_in(client, team.alice).get(reverse("reviews:settings", args=[team.review.slug])).text

    assert '<option value="resolver">Resolver</option>' in html
    assert "Resolvers see everything and make the final decision" in html


def test_recounting_a_large_review_is_one_statement_set_not_a_loop(team, django_assert_max_num_queries):
    papers = [make_paper() for _ in range(50)]
    team.review.add_papers([paper.pk for paper in papers])

    # Lock, save, one history row, three UPDATEs of every row, and the savepoint around them.
    with django_assert_max_num_queries(9):
        configuring.change_settings(owner(team), {"required_screeners": 2})


def test_the_admin_gives_a_non_staff_member_of_a_blind_review_nothing(client, db):
    bob, carol = make_user("bob"), make_user("carol")
    paper = make_paper()
    review = make_review("blind", papers=[paper], blind=True, required_screeners=2, members={bob: Role.REVIEWER})
    Membership.objects.create(review=review, user=carol, role=Role.REVIEWER)
    annotating.decide(Membership.objects.get(user=carol), paper.pk, "exclude")
    logged_in(client, bob)
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if first := model._default_manager.first():
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
