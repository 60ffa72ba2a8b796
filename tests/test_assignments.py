"""Balanced assignment: owners share the papers among reviewers; screening mode follows the shares."""

from collections import Counter

import pytest
from django.urls import reverse

from reviews import annotating, assigning, screening
from reviews.models import Assignment, Change, ChangeKind, Membership, Role
from tests.dual_review import dual, member  # noqa: F401 - a fixture
from tests.factories import logged_in, make_paper, make_user


def ids(review, *users):
    return [Membership.objects.get(review=review, user=user).pk for user in users]


@pytest.fixture
def many(dual):  # noqa: F811
    """dual with 23 papers and a third reviewer, dan."""
    dual.dan = make_user("dan")
    Membership.objects.create(review=dual.review, user=dual.dan, role=Role.REVIEWER)
    dual.review.add_papers([make_paper(f"2305.{n:05d}").pk for n in range(19)])
    return dual


@pytest.mark.parametrize("per_paper", [1, 2, 3])
def test_each_reviewer_gets_within_one_paper_of_the_others_and_no_paper_twice(many, per_paper):  # noqa: F811
    owner = member(many.review, many.alice)
    done = assigning.assign_papers(owner, ids(many.review, many.bob, many.carol, many.dan), per_paper)
    assert done.papers == 23
    loads = Counter(Assignment.objects.filter(review=many.review).values_list("user__username", flat=True))
    assert sum(loads.values()) == 23 * per_paper
    assert max(loads.values()) - min(loads.values()) <= 1
    per_paper_counts = Counter(Assignment.objects.filter(review=many.review).values_list("paper_id", flat=True))
    assert set(per_paper_counts.values()) == {per_paper}
    assert Change.objects.filter(kind=ChangeKind.ASSIGNMENT).count() == 1


def test_assigning_again_replaces_and_only_unassigned_leaves_others_alone(many):  # noqa: F811
    owner = member(many.review, many.alice)
    assigning.assign_papers(owner, ids(many.review, many.bob), 1)
    assert Assignment.objects.filter(user=many.bob).count() == 23
    many.review.add_papers([make_paper("2306.00001").pk])
    assigning.assign_papers(owner, ids(many.review, many.carol), 1, only_unassigned=True)
    assert Assignment.objects.filter(user=many.carol).count() == 1
    assert Assignment.objects.filter(user=many.bob).count() == 23
    assigning.assign_papers(owner, ids(many.review, many.carol, many.dan), 2)
    assert not Assignment.objects.filter(user=many.bob).exists()


def test_only_unscreened_skips_papers_with_a_decision(many):  # noqa: F811
    annotating.decide(member(many.review, many.bob), many.p4.pk, "include")
    owner = member(many.review, many.alice)
    assert assigning.assign_papers(owner, ids(many.review, many.carol), 1, only_unscreened=True).papers == 22
    assert not Assignment.objects.filter(paper=many.p4).exists()


def test_clearing_takes_every_assignment_back(many):  # noqa: F811
    owner = member(many.review, many.alice)
    assigning.assign_papers(owner, ids(many.review, many.bob), 1)
    assert assigning.clear_assignments(owner) == 23
    assert not Assignment.objects.exists()
    assert Change.objects.filter(kind=ChangeKind.ASSIGNMENT).count() == 2


def test_refusals(many):  # noqa: F811
    owner = member(many.review, many.alice)
    with pytest.raises(annotating.Refused, match="when only 1 are chosen"):
        assigning.assign_papers(owner, ids(many.review, many.bob), 2)
    with pytest.raises(annotating.Refused, match="rosa cannot be assigned"):
        assigning.assign_papers(owner, ids(many.review, many.bob, many.rosa), 1)
    with pytest.raises(annotating.Refused, match="olivia cannot be assigned"):
        assigning.assign_papers(owner, ids(many.review, many.olivia), 1)
    with pytest.raises(annotating.Refused, match="members of this review"):
        assigning.assign_papers(owner, [*ids(many.review, many.bob), 10**9], 1)
    with pytest.raises(annotating.NotAllowed):
        assigning.assign_papers(member(many.review, many.bob), ids(many.review, many.bob), 1)
    assert not Assignment.objects.exists()


def test_screening_mode_follows_the_assignments(many):  # noqa: F811
    owner = member(many.review, many.alice)
    assigning.assign_papers(owner, ids(many.review, many.bob, many.carol), 1)
    bob = member(many.review, many.bob)
    mine = set(Assignment.objects.filter(user=many.bob).values_list("paper_id", flat=True))
    assert screening.next_for(bob) in mine
    assert screening.progress_of(bob).total == len(mine)


def test_the_page_shows_loads_and_the_form_assigns(client, many):  # noqa: F811
    client = logged_in(client, many.alice)
    url = reverse("reviews:assignments", args=["dual"])
    html = client.get(url).content.decode()
    assert "No papers are assigned" in html and "rosa" not in html.split("Share the papers")[1]
    data = {"screeners": ids(many.review, many.bob, many.carol), "per_paper": 2}
    response = client.post(reverse("reviews:assignments", args=["dual"]), data, follow=True)
    assert "Assigned 23 papers: bob 23, carol 23." in response.content.decode()
    assert Assignment.objects.count() == 46
    response = client.post(reverse("reviews:assignments_clear", args=["dual"]), follow=True)
    assert "Nothing was cleared" in response.content.decode() and Assignment.objects.count() == 46
    response = client.post(reverse("reviews:assignments_clear", args=["dual"]), {"confirm": "yes"}, follow=True)
    assert "Cleared 46 assignments" in response.content.decode()


def test_reviewers_are_ticked_by_default_and_the_last_choice_is_kept(client, many):  # noqa: F811
    client = logged_in(client, many.alice)
    url = reverse("reviews:assignments", args=["dual"])
    form = client.get(url).context["form"]
    assert form.initial["screeners"] == [str(pk) for pk in ids(many.review, many.bob, many.carol, many.dan)], (
        "alice owns"
    )
    assert f'value="{ids(many.review, many.alice)[0]}"' in client.get(url).content.decode(), "listed"
    client.post(url, {"screeners": ids(many.review, many.alice, many.carol), "per_paper": 2})
    form = client.get(url).context["form"]
    assert form.initial == {"screeners": [str(pk) for pk in ids(many.review, many.alice, many.carol)], "per_paper": 2}


def test_fewer_reviewers_per_paper_than_required_assigns_with_a_warning(client, many):  # noqa: F811
    client = logged_in(client, many.alice)
    url = reverse("reviews:assignments", args=["dual"])
    response = client.post(url, {"screeners": ids(many.review, many.bob, many.carol), "per_paper": 1}, follow=True)
    assert Assignment.objects.count() == 23
    assert "Each paper will get 1 screener but the review requires 2:" in response.content.decode()
    response = client.post(url, {"screeners": ids(many.review, many.bob, many.carol), "per_paper": 2}, follow=True)
    assert "but the review requires" not in response.content.decode()


def test_a_refused_assignment_is_shown_at_the_page_address(client, many):  # noqa: F811
    client = logged_in(client, many.alice)
    url = reverse("reviews:assignments", args=["dual"])
    html = client.get(url).content.decode()
    assert f'action="{url}"' in html
    response = client.post(url, {"screeners": ids(many.review, many.bob), "per_paper": 2})
    assert response.status_code == 422 and "when you chose 1" in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_paper_goes_first_to_who_already_decided_it(many):  # noqa: F811
    carol, dan = member(many.review, many.carol), member(many.review, many.dan)
    decided = {many.p1.pk: dan, many.p2.pk: dan, many.p3.pk: carol}
    for paper_id, screener in decided.items():
        annotating.decide(screener, paper_id, "include")
    owner = member(many.review, many.alice)
    assigning.assign_papers(owner, ids(many.review, many.bob, many.carol, many.dan), 1)
    for paper_id, screener in decided.items():
        assert Assignment.objects.get(paper_id=paper_id).user_id == screener.user_id
    loads = Counter(Assignment.objects.filter(review=many.review).values_list("user__username", flat=True))
    assert max(loads.values()) - min(loads.values()) <= 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"per_paper": 2}, "Choose at least one reviewer."),
        ({"per_paper": 3, "screeners": "BOB,CAROL"}, "cannot go to 3 reviewers when you chose 2"),
        ({"per_paper": 9, "screeners": "BOB"}, "Each paper goes to 1 to 3 reviewers."),
        ({"per_paper": 1, "screeners": "ROSA"}, "Only the review&#x27;s owners and reviewers can be assigned"),
        ({"per_paper": 1, "screeners": "999999999"}, "Only the review&#x27;s owners and reviewers can be assigned"),
    ],
)
def test_the_form_refuses_with_clear_messages(client, many, data, message):  # noqa: F811
    data = dict(data)
    if "screeners" in data:
        names = {"BOB": many.bob, "CAROL": many.carol, "ROSA": many.rosa}
        data["screeners"] = [ids(many.review, names[n])[0] if n in names else n for n in data["screeners"].split(",")]
    response = logged_in(client, many.alice).post(reverse("reviews:assignments", args=["dual"]), data)
    assert response.status_code == 422 and message in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("who, status", [("bob", 403), ("rosa", 403), ("olivia", 403)])
def test_only_owners_assign(client, many, who, status):  # noqa: F811
    client = logged_in(client, getattr(many, who))
    assert client.get(reverse("reviews:assignments", args=["dual"])).status_code == status
    data = {"screeners": ids(many.review, many.bob), "per_paper": 1}
    assert client.post(reverse("reviews:assignments", args=["dual"]), data).status_code == status
    assert client.post(reverse("reviews:assignments_clear", args=["dual"])).status_code == status
    assert not Assignment.objects.exists()


def test_outsiders_get_404(client, many):  # noqa: F811
    client = logged_in(client, make_user("eve"))
    assert client.get(reverse("reviews:assignments", args=["dual"])).status_code == 404
