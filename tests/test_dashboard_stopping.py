"""The dashboard's "When to stop" section: the order and the includes read from the database, what blind members
are not shown, and a clear sentence for every empty case."""

import itertools
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from reviews import annotating, stopping
from reviews.dashboard import Dashboard
from reviews.dashboard_queries import inclusion_order
from reviews.models import Change, Membership, Role, ScreeningDecision
from tests.factories import logged_in, make_paper, make_review, make_user


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def ticking_clock(monkeypatch):
    """Every read of the clock one second after the last, so the order of decisions is the order of the calls."""
    start = timezone.now()
    ticks = itertools.count()
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=next(ticks)))


def member(review, user):
    return Membership.objects.select_related("review", "user").get(review=review, user=user)


@pytest.fixture
def team(db, ticking_clock):
    """An open review of six papers, alice owning it, bob and carol screening, olivia observing."""

    class Team:
        alice, bob, carol, olivia = (make_user(name) for name in ("alice", "bob", "carol", "olivia"))
        papers = [make_paper() for _ in range(6)]
        review = make_review(
            papers=papers, members={alice: Role.OWNER, bob: Role.REVIEWER, carol: Role.REVIEWER, olivia: Role.OBSERVER}
        )

    return Team


def evidence(team) -> tuple[int, list[int]]:
    """(papers screened, places of the includes) as the owner's dashboard counts them."""
    progress = Dashboard(member(team.review, team.alice)).stopping
    return progress.screened, list(progress.include_positions)


def dashboard(client, team, user=None):
    return logged_in(client, user or team.alice).get(reverse("reviews:dashboard", args=[team.review.slug]))


def figure(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html).group(1)


def test_papers_are_in_the_order_first_decided_and_a_changed_vote_keeps_its_place(team):
    bob = member(team.review, team.bob)
    p = team.papers
    for paper, vote in [(p[3], "include"), (p[0], "exclude"), (p[5], "exclude"), (p[1], "include"), (p[2], "exclude")]:
        annotating.decide(bob, paper.pk, vote)
    annotating.decide(bob, p[0].pk, "include")  # second in the order still, now an include
    assert evidence(team) == (5, [1, 2, 4])
    annotating.decide(bob, p[0].pk, "")  # withdrawn: no longer screened, the papers after it move up
    assert evidence(team) == (4, [1, 3])
    annotating.decide(bob, p[0].pk, "include")  # back, at its first decision's place
    assert evidence(team) == (5, [1, 2, 4])


def test_without_history_the_standing_decision_gives_the_order(team):
    bob = member(team.review, team.bob)
    annotating.decide(bob, team.papers[0].pk, "include")
    annotating.decide(bob, team.papers[1].pk, "exclude")
    Change.objects.filter(review=team.review).delete()  # as if loaded without history
    ScreeningDecision.objects.filter(paper=team.papers[1]).update(updated_at=timezone.now() - timedelta(days=1))
    assert evidence(team) == (2, [2])


def test_a_final_decision_counts_and_without_one_any_include_vote_does(team):
    review = team.review
    review.required_screeners = 2
    review.save()
    bob, carol, alice = (member(review, user) for user in (team.bob, team.carol, team.alice))
    p = team.papers
    annotating.decide(bob, p[0].pk, "include")  # awaiting carol: counts
    annotating.decide(bob, p[1].pk, "include")
    annotating.decide(carol, p[1].pk, "exclude")  # a conflict with an include vote: counts
    annotating.decide(bob, p[2].pk, "include")
    annotating.decide(carol, p[2].pk, "exclude")
    annotating.resolve(alice, p[2].pk, "exclude")  # resolved against: does not count
    annotating.decide(bob, p[3].pk, "maybe")  # only unsure (strict rule): no include vote, does not count
    annotating.decide(carol, p[3].pk, "maybe")
    annotating.decide(bob, p[4].pk, "exclude")
    annotating.decide(carol, p[4].pk, "exclude")
    assert evidence(team) == (5, [1, 2])
    assert inclusion_order(review.pk) == [1, 2]


def test_the_owner_reads_the_figures_the_curve_and_both_methods(client, team, monkeypatch):
    # The estimate's wording on a review small enough to work out by hand (a real one needs 30 papers screened).
    monkeypatch.setattr(stopping, "ESTIMATE_MINIMUM", 1)
    bob = member(team.review, team.bob)
    for paper, vote in zip(team.papers[:4], ["exclude", "include", "exclude", "exclude"], strict=True):
        annotating.decide(bob, paper.pk, vote)
    html = dashboard(client, team).content.decode()
    assert figure(html, "figure-stop-screened") == "4"
    assert figure(html, "figure-unscreened") == "2"
    assert figure(html, "figure-found") == "1"
    assert figure(html, "figure-since-last-include") == "2"
    assert "1 include found among 4 papers screened" in html
    assert "it counts as soon as anyone voted Include" in html
    knee = re.sub(r"\s+", " ", re.search(r'id="stopping-knee">(.*?)</div>', html, re.S).group(1))
    # The knee is at paper 2 (1 include): (1/2) / ((1 + 1 − 1)/(4 − 2)) = 1.0; threshold 156 − 1 = 155.
    assert "cannot in this review: it needs at least 150 papers screened, and the review has 6" in knee
    assert "The curve's knee is at paper 2, with 1 include found by then" in knee
    assert "1.0 times as fast" in knee and "at least 155" in knee
    estimate = re.sub(r"\s+", " ", re.search(r'id="stopping-estimate">(.*?)</div>', html, re.S).group(1))
    # All 4 screened make the window: 1 in 4 = 25% over 2 papers = 0.5; Clopper–Pearson 1 in 4: 75.1% → 1.502 → 2.
    assert (
        "About 0.5 includes may remain among the 2 papers not yet screened; at most 2 with 95% confidence" in estimate
    )
    assert "Among all 4 papers screened so far, 1 was an include: a rate of 25.0%" in estimate
    assert "as high as 75.1%" in estimate
    assert "upper bounds" in estimate
    svg = logged_in(client, team.alice).get(reverse("reviews:dashboard_chart", args=[team.review.slug, "gain"]))
    assert svg.status_code == 200
    assert svg.content.decode().split("\n")[1] in html, "the page embeds the same SVG"


def test_no_include_yet_says_so_and_still_bounds_what_remains(client, team, monkeypatch):
    monkeypatch.setattr(stopping, "ESTIMATE_MINIMUM", 1)
    bob = member(team.review, team.bob)
    for paper in team.papers[:3]:
        annotating.decide(bob, paper.pk, "exclude")
    html = dashboard(client, team).content.decode()
    assert "No include yet: none of the 3 papers screened counts as one." in html
    assert "the knee method needs a first include" in html
    # 0 in 3: the rate's upper limit is 1 − 0.05^(1/3) = 63.2%, over 3 papers 1.9 → 2.
    assert "At the recent rate no include remains among the 3 papers not yet screened; at most 2" in html
    assert "No include found among 3 papers screened." in html


def test_everything_screened_says_nothing_can_remain(client, team):
    bob = member(team.review, team.bob)
    for number, paper in enumerate(team.papers):
        annotating.decide(bob, paper.pk, "include" if number == 5 else "exclude")
    html = dashboard(client, team).content.decode()
    assert figure(html, "figure-unscreened") == "0"
    assert figure(html, "figure-since-last-include") == "0"
    assert "Every paper has been screened:" in html
    assert "1 paper counts as include." in html
    assert "cannot in this review: it needs at least 150 papers screened, and the review has 6" in html


def test_too_few_papers_screened_give_no_estimate(client, team):
    bob = member(team.review, team.bob)
    for paper, vote in zip(team.papers[:4], ["exclude", "include", "exclude", "exclude"], strict=True):
        annotating.decide(bob, paper.pk, vote)
    html = re.sub(r"\s+", " ", dashboard(client, team).content.decode())
    assert "Too few papers are screened for an estimate:</strong> 4 so far" in html
    assert "may remain among" not in html


def test_nothing_screened_and_an_empty_review_each_say_so(client, team):
    html = dashboard(client, team).content.decode()
    assert "No paper has been screened yet: the curve and the estimates begin with the first decision." in html
    assert "figure-found" not in html
    alice = team.alice
    empty = make_review("empty", members={alice: Role.OWNER})
    response = logged_in(client, alice).get(reverse("reviews:dashboard", args=[empty.slug]))
    assert response.status_code == 200
    assert "The review holds no papers yet: nothing to screen" in response.content.decode()
    chart = logged_in(client, alice).get(reverse("reviews:dashboard_chart", args=[empty.slug, "gain"]))
    assert chart.status_code == 200 and "No papers in this review yet." in chart.content.decode()


@pytest.mark.parametrize("who", ["bob", "olivia"])
def test_blind_members_see_no_stopping_evidence(client, team, who):
    review = team.review
    review.blind = True
    review.save()
    bob = member(review, team.bob)
    annotating.decide(bob, team.papers[0].pk, "include")
    annotating.decide(member(review, team.carol), team.papers[1].pk, "include")
    user = getattr(team, who)
    html = dashboard(client, team, user).content.decode()
    for hidden in ["When to stop", "figure-found", "figure-since-last-include", "Includes found", "knee"]:
        assert hidden not in html
    assert "when to stop" in html, "the blind note names what is hidden"
    chart = logged_in(client, user).get(reverse("reviews:dashboard_chart", args=[review.slug, "gain"]))
    assert chart.status_code == 403
    for who_sees in (team.alice,):
        assert "When to stop" in dashboard(client, team, who_sees).content.decode()


def test_an_open_review_shows_its_reviewers_the_stopping_evidence(client, team):
    annotating.decide(member(team.review, team.bob), team.papers[0].pk, "include")
    html = dashboard(client, team, team.carol).content.decode()
    assert figure(html, "figure-found") == "1"


def test_a_new_decision_shows_at_once_though_the_order_is_cached(client, team):
    bob = member(team.review, team.bob)
    annotating.decide(bob, team.papers[0].pk, "exclude")
    assert figure(dashboard(client, team).content.decode(), "figure-found") == "0"
    annotating.decide(bob, team.papers[1].pk, "include")
    html = dashboard(client, team).content.decode()
    assert figure(html, "figure-found") == "1" and figure(html, "figure-stop-screened") == "2"
