"""The conflicts queue: who may see it, what it shows, and the final decisions recorded from it."""

import pytest
from django.urls import reverse

from reviews import annotating
from reviews.models import Change, ChangeKind, ExclusionReason, Resolution, ReviewPaper
from tests.dual_review import dual, member  # noqa: F401 - a fixture
from tests.factories import logged_in, make_paper, make_review, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def conflict(dual):  # noqa: F811
    """bob includes p4 and carol excludes it (with a reason and a score each); carol comments on it."""
    bob, carol = member(dual.review, dual.bob), member(dual.review, dual.carol)
    dual.reason = ExclusionReason.objects.create(review=dual.review, label="Wrong population", position=1)
    annotating.decide(bob, dual.p4.pk, "include")
    annotating.set_score(bob, dual.p4.pk, 5)
    annotating.decide(carol, dual.p4.pk, "exclude", dual.reason.pk)
    annotating.set_score(carol, dual.p4.pk, 2)
    annotating.add_comment(carol, dual.p4.pk, "Not **our** population.")
    # p3: both agree, so it is not in the queue.
    annotating.decide(bob, dual.p3.pk, "include")
    annotating.decide(carol, dual.p3.pk, "include")
    return dual


def queue_url(**query):
    url = reverse("reviews:conflicts", args=["dual"])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def resolve_url():
    return reverse("reviews:conflict_resolve", args=["dual"])


def seen(dual, paper):  # noqa: F811
    return annotating.votes_seen(ReviewPaper.objects.get(review=dual.review, paper=paper))


@pytest.mark.parametrize("who, status", [("alice", 200), ("rosa", 200), ("bob", 403), ("olivia", 403)])
def test_only_owners_and_resolvers_see_the_queue(client, conflict, who, status):  # noqa: F811
    assert logged_in(client, getattr(conflict, who)).get(queue_url()).status_code == status


def test_outsiders_get_404(client, conflict):  # noqa: F811
    client = logged_in(client, make_user("eve"))
    assert client.get(queue_url()).status_code == 404
    assert client.post(resolve_url(), {"paper": conflict.p4.pk}).status_code == 404


def test_the_queue_shows_every_vote_side_by_side_with_the_thread(client, conflict):  # noqa: F811
    html = logged_in(client, conflict.rosa).get(queue_url()).content.decode()
    assert "Paper 4" in html and "Paper 3" not in html
    assert "<strong>1</strong> open · <strong>0</strong> resolved" in html
    votes = html[html.index("votes-table") :]
    assert 'bob</th><td><span class="decision-include">Include' in votes
    assert 'carol</th><td><span class="decision-exclude">Exclude' in votes
    assert "Wrong population" in votes and "<td>5</td>" in votes and "<td>2</td>" in votes
    assert "Not <strong>our</strong> population." in html
    assert f'name="seen" value="{seen(conflict, conflict.p4)}"' in html


def test_the_queue_takes_a_fixed_number_of_queries(client, conflict, django_assert_max_num_queries):  # noqa: F811
    client = logged_in(client, conflict.rosa)
    client.get(queue_url())
    for n in range(8):  # more conflicts, with comments, do not add queries
        paper = make_paper(f"2304.0010{n}")
        conflict.review.add_papers([paper.pk])
        annotating.decide(member(conflict.review, conflict.bob), paper.pk, "include")
        annotating.decide(member(conflict.review, conflict.carol), paper.pk, "maybe")
        annotating.add_comment(member(conflict.review, conflict.carol), paper.pk, f"Comment {n}")
    with django_assert_max_num_queries(14):
        response = client.get(queue_url())
    assert response.content.decode().count('class="conflict-card"') == 9


def test_resolving_without_js_records_the_final_decision_and_returns_to_the_queue(client, conflict):  # noqa: F811
    data = {"paper": conflict.p4.pk, "seen": seen(conflict, conflict.p4), "decision": "exclude"}
    data.update(reason=conflict.reason.pk, note="Population is children.")
    response = logged_in(client, conflict.rosa).post(resolve_url(), data, follow=True)
    assert response.redirect_chain == [(queue_url(), 302)]
    assert "Final decision recorded: exclude." in response.content.decode()
    resolution = Resolution.objects.get(review=conflict.review, paper=conflict.p4)
    assert (resolution.decision, resolution.reason, resolution.resolved_by) == (
        "exclude",
        conflict.reason,
        conflict.rosa,
    )
    review_paper = ReviewPaper.objects.get(review=conflict.review, paper=conflict.p4)
    assert (review_paper.team_status, review_paper.final_decision) == ("resolved", "exclude")
    assert "<strong>0</strong> open · <strong>1</strong> resolved" in response.content.decode()
    assert Change.objects.filter(kind=ChangeKind.RESOLUTION, paper=conflict.p4).count() == 1


def test_resolving_with_htmx_swaps_the_card(client, conflict):  # noqa: F811
    data = {"paper": conflict.p4.pk, "seen": seen(conflict, conflict.p4), "decision": "include"}
    response = logged_in(client, conflict.alice).post(resolve_url(), data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<article class="conflict-card"')
    assert "Resolved as <strong>include</strong> by alice" in html


def test_votes_that_changed_since_the_form_was_drawn_make_it_stale(client, conflict):  # noqa: F811
    stale = seen(conflict, conflict.p4)
    annotating.decide(member(conflict.review, conflict.alice), conflict.p4.pk, "maybe")
    data = {"paper": conflict.p4.pk, "seen": stale, "decision": "include"}
    response = logged_in(client, conflict.rosa).post(resolve_url(), data, headers=HTMX)
    assert response.status_code == 409 and annotating.STALE_MESSAGE in response.content.decode()
    assert not Resolution.objects.exists()
    response = client.post(resolve_url(), data, follow=True)
    assert annotating.STALE_MESSAGE in response.content.decode()
    assert not Resolution.objects.exists()


def test_a_paper_no_longer_in_conflict_is_refused(client, conflict):  # noqa: F811
    data = {"paper": conflict.p4.pk, "seen": seen(conflict, conflict.p4), "decision": "include"}
    annotating.decide(member(conflict.review, conflict.carol), conflict.p4.pk, "include")
    data["seen"] = seen(conflict, conflict.p4)
    response = logged_in(client, conflict.rosa).post(resolve_url(), data, headers=HTMX)
    assert response.status_code == 409 and "no longer in conflict" in response.content.decode()
    assert not Resolution.objects.exists()


def test_a_reason_of_another_review_is_refused(client, conflict):  # noqa: F811
    other = make_review("other", members={conflict.rosa: "owner"})
    foreign = ExclusionReason.objects.create(review=other, label="Elsewhere", position=1)
    data = {"paper": conflict.p4.pk, "seen": seen(conflict, conflict.p4), "decision": "exclude", "reason": foreign.pk}
    response = logged_in(client, conflict.rosa).post(resolve_url(), data, headers=HTMX)
    assert response.status_code == 422 and "not one of this review" in response.content.decode()
    assert not Resolution.objects.exists()


def test_a_note_too_long_is_refused_and_kept_in_the_box(client, conflict):  # noqa: F811
    data = {"paper": conflict.p4.pk, "seen": seen(conflict, conflict.p4), "decision": "include", "note": "x" * 2001}
    response = logged_in(client, conflict.rosa).post(resolve_url(), data, headers=HTMX)
    assert response.status_code == 422 and "at most 2000 characters" in response.content.decode()
    assert not Resolution.objects.exists()


@pytest.mark.parametrize("paper", ["abc", "-1", str(2**64), "0", "999999"])
def test_crafted_paper_ids_are_refused(client, conflict, paper):  # noqa: F811
    data = {"paper": paper, "seen": "x", "decision": "include"}
    client = logged_in(client, conflict.rosa)
    assert client.post(resolve_url(), data, headers=HTMX).status_code in (404, 422)
    assert client.post(resolve_url(), data).status_code == 302
    assert not Resolution.objects.exists()


def test_a_paper_of_another_review_is_refused(client, conflict):  # noqa: F811
    outside = make_paper("2401.00001")
    data = {"paper": outside.pk, "seen": "x", "decision": "include"}
    assert logged_in(client, conflict.rosa).post(resolve_url(), data, headers=HTMX).status_code == 404


@pytest.mark.parametrize("who", ["bob", "olivia"])
def test_screeners_and_observers_cannot_resolve(client, conflict, who):  # noqa: F811
    data = {"paper": conflict.p4.pk, "seen": seen(conflict, conflict.p4), "decision": "include"}
    assert logged_in(client, getattr(conflict, who)).post(resolve_url(), data).status_code == 403
    assert not Resolution.objects.exists()


def test_a_changed_vote_reopens_and_the_queue_says_who_and_when(client, conflict):  # noqa: F811
    annotating.resolve(
        member(conflict.review, conflict.rosa), conflict.p4.pk, "exclude", seen=seen(conflict, conflict.p4)
    )
    annotating.decide(member(conflict.review, conflict.bob), conflict.p4.pk, "maybe")
    client = logged_in(client, conflict.rosa)
    html = client.get(queue_url(show="reopened")).content.decode()
    assert "Reopened:</strong> bob changed their vote on" in html
    assert "after rosa resolved it as exclude." in html
    assert "Paper 4" in client.get(queue_url()).content.decode()


def test_a_changed_vote_that_makes_the_votes_agree_leaves_nothing_reopened(client, conflict):  # noqa: F811
    annotating.resolve(
        member(conflict.review, conflict.rosa), conflict.p4.pk, "include", seen=seen(conflict, conflict.p4)
    )
    annotating.decide(member(conflict.review, conflict.carol), conflict.p4.pk, "include")
    client = logged_in(client, conflict.rosa)

    response = client.get(queue_url(show="reopened"))

    assert "Paper 4" not in response.content.decode()
    assert response.context["counts"]["reopened"] == 0
    assert ReviewPaper.objects.get(review=conflict.review, paper=conflict.p4).final_decision == "include"


def test_the_resolved_tab_lists_resolved_papers(client, conflict):  # noqa: F811
    annotating.resolve(
        member(conflict.review, conflict.rosa), conflict.p4.pk, "include", seen=seen(conflict, conflict.p4)
    )
    client = logged_in(client, conflict.alice)
    assert "Paper 4" not in client.get(queue_url()).content.decode()
    html = client.get(queue_url(show="resolved")).content.decode()
    assert "Resolved as <strong>include</strong> by rosa" in html
    assert "No conflicts: nothing waits" in client.get(queue_url(show="nonsense")).content.decode()


def test_all_maybe_is_in_the_queue_under_the_strict_rule(client, dual):  # noqa: F811
    annotating.decide(member(dual.review, dual.bob), dual.p2.pk, "maybe")
    annotating.decide(member(dual.review, dual.carol), dual.p2.pk, "maybe")
    assert "Paper 2" in logged_in(client, dual.rosa).get(queue_url()).content.decode()
