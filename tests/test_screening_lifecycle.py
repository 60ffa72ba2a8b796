"""Dual screening through the write path: when a paper is screened, in conflict, resolved, reopened, and final.

Statuses follow the review's required screeners and conflict rule; the final decision (what counts, filters and
exports use) is a standing resolution's, else what the required screeners agreed.
"""

import pytest
from django.core.management import CommandError, call_command

from reviews import annotating
from reviews.annotating import NotAllowed, Refused, Stale
from reviews.models import (
    Change,
    ChangeKind,
    ExclusionReason,
    Membership,
    Resolution,
    Review,
    ReviewPaper,
    Role,
    ScreeningDecision,
)
from tests.factories import make_user


def member(review, user) -> Membership:
    return Membership.objects.select_related("review", "user").get(review=review, user=user)


@pytest.fixture
def dual(team):
    """The team's review made blind, needing two screeners, with rosa as its resolver and two reasons."""
    Review.objects.filter(pk=team.review.pk).update(blind=True, required_screeners=2)
    team.rosa = make_user("rosa")
    Membership.objects.create(review=team.review, user=team.rosa, role=Role.RESOLVER)
    team.off_topic = ExclusionReason.objects.create(review=team.review, label="Off topic", position=1)
    team.no_data = ExclusionReason.objects.create(review=team.review, label="No data", position=2)
    team.bob_m, team.dave_m, team.alice_m, team.rosa_m = (
        member(team.review, user) for user in (team.bob, team.dave, team.alice, team.rosa)
    )
    return team


def row(team) -> ReviewPaper:
    return ReviewPaper.objects.get(review=team.review, paper=team.paper)


def state(team) -> tuple[str, str, int | None]:
    paper = row(team)
    return paper.team_status, paper.final_decision, paper.final_reason_id


@pytest.mark.parametrize(
    ("rule", "votes", "expected"),
    [
        ("strict", [], ("undecided", "")),
        ("strict", ["include"], ("awaiting", "")),
        ("strict", ["include", "include"], ("included", "include")),
        ("strict", ["exclude", "exclude"], ("excluded", "exclude")),
        ("strict", ["maybe", "maybe"], ("maybe", "")),
        ("strict", ["include", "maybe"], ("conflict", "")),
        ("strict", ["include", "exclude"], ("conflict", "")),
        ("maybe_includes", ["include", "maybe"], ("included", "include")),
        ("maybe_includes", ["maybe", "maybe"], ("included", "include")),
        ("maybe_includes", ["maybe", "exclude"], ("conflict", "")),
    ],
)
def test_status_and_final_decision_follow_the_votes_the_rule_and_the_required_screeners(dual, rule, votes, expected):
    Review.objects.filter(pk=dual.review.pk).update(conflict_rule=rule)
    for membership, vote in zip((dual.bob_m, dual.dave_m), votes, strict=False):
        annotating.decide(member(dual.review, membership.user), dual.paper.pk, vote)

    assert state(dual)[:2] == expected
    call_command("check_summaries")


def test_one_required_screener_makes_a_single_decision_final(dual):
    Review.objects.filter(pk=dual.review.pk).update(required_screeners=1)

    annotating.decide(member(dual.review, dual.bob), dual.paper.pk, "exclude", dual.no_data.pk)

    assert state(dual) == ("excluded", "exclude", dual.no_data.pk)


def test_an_agreed_exclusion_keeps_the_reason_most_screeners_gave(dual):
    Review.objects.filter(pk=dual.review.pk).update(required_screeners=3)
    annotating.decide(dual.bob_m, dual.paper.pk, "exclude", dual.no_data.pk)
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude", dual.off_topic.pk)
    annotating.decide(dual.alice_m, dual.paper.pk, "exclude", dual.no_data.pk)

    assert state(dual) == ("excluded", "exclude", dual.no_data.pk)


def test_a_tie_between_reasons_goes_to_the_reason_listed_first(dual):
    annotating.decide(dual.bob_m, dual.paper.pk, "exclude", dual.no_data.pk)
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude", dual.off_topic.pk)

    assert state(dual) == ("excluded", "exclude", dual.off_topic.pk)


def test_conflict_resolution_and_reopening(dual):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude", dual.off_topic.pk)
    assert state(dual) == ("conflict", "", None)
    seen = annotating.votes_seen(row(dual))

    annotating.resolve(dual.rosa_m, dual.paper.pk, "exclude", dual.no_data.pk, "Methods are off topic.", seen=seen)

    assert state(dual) == ("resolved", "exclude", dual.no_data.pk)
    resolution = Resolution.objects.get()
    assert (resolution.resolved_by, resolution.note) == (dual.rosa, "Methods are off topic.")
    assert resolution.reopened_at is None

    # A screener changes their vote: the resolution no longer stands, and says who reopened it.
    reopened = annotating.decide(dual.bob_m, dual.paper.pk, "maybe")

    assert reopened == resolution
    resolution.refresh_from_db()
    assert resolution.reopened_by == dual.bob and resolution.reopened_at is not None
    assert state(dual) == ("conflict", "", None)

    # Resolving again stands again.
    annotating.resolve(dual.alice_m, dual.paper.pk, "include", seen=annotating.votes_seen(row(dual)))
    assert state(dual) == ("resolved", "include", None)
    assert Resolution.objects.get().reopened_at is None
    call_command("check_summaries")


def test_the_same_vote_again_neither_reopens_nor_records(dual):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude")
    annotating.resolve(dual.rosa_m, dual.paper.pk, "include")
    changes = Change.objects.count()

    assert annotating.decide(dual.bob_m, dual.paper.pk, "include") is None

    assert Change.objects.count() == changes
    assert state(dual)[:2] == ("resolved", "include")


def test_a_resolution_of_a_paper_no_longer_in_conflict_is_refused_and_changes_nothing(dual):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude")
    seen = annotating.votes_seen(row(dual))
    annotating.decide(dual.dave_m, dual.paper.pk, "include")  # they agree now
    changes = Change.objects.count()

    with pytest.raises(Stale, match="no longer in conflict"):
        annotating.resolve(dual.rosa_m, dual.paper.pk, "exclude", seen=seen)

    assert not Resolution.objects.exists()
    assert Change.objects.count() == changes
    assert state(dual)[:2] == ("included", "include")


def test_a_resolution_made_on_votes_that_moved_since_is_refused(dual):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude")
    seen = annotating.votes_seen(row(dual))
    annotating.decide(dual.dave_m, dual.paper.pk, "maybe")  # still a conflict, but not the one the resolver saw

    with pytest.raises(Stale, match="changed since you opened it"):
        annotating.resolve(dual.rosa_m, dual.paper.pk, "exclude", seen=seen)

    assert not Resolution.objects.exists()


@pytest.mark.parametrize("who", ["bob", "olivia"])
def test_only_owners_and_resolvers_resolve(dual, who):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude")

    with pytest.raises(NotAllowed):
        annotating.resolve(member(dual.review, getattr(dual, who)), dual.paper.pk, "include")

    assert not Resolution.objects.exists()


@pytest.mark.parametrize(
    ("decision", "reason", "note", "message"),
    [
        ("maybe", None, "", "include or exclude"),
        ("", None, "", "include or exclude"),
        ("exclude", None, "x" * 2001, "at most 2000"),
    ],
)
def test_bad_resolutions_are_refused(dual, decision, reason, note, message):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude")

    with pytest.raises(Refused, match=message):
        annotating.resolve(dual.rosa_m, dual.paper.pk, decision, reason, note)

    assert not Resolution.objects.exists()


def test_a_reason_of_another_review_is_refused(dual):
    from tests.factories import make_review

    elsewhere = ExclusionReason.objects.create(review=make_review("other"), label="Elsewhere")
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude")

    with pytest.raises(Refused, match="not one of this review"):
        annotating.resolve(dual.rosa_m, dual.paper.pk, "exclude", elsewhere.pk)


def test_resolvers_do_not_screen_and_a_role_change_mid_screen_says_so(dual):
    with pytest.raises(NotAllowed, match="resolver in this review now"):
        annotating.decide(dual.rosa_m, dual.paper.pk, "include")

    stale_membership = dual.bob_m
    Membership.objects.filter(pk=stale_membership.pk).update(role=Role.OBSERVER)
    fresh = member(dual.review, dual.bob)
    with pytest.raises(NotAllowed):
        annotating.decide(fresh, dual.paper.pk, "include")
    assert not ScreeningDecision.objects.exists()


def test_undo_takes_back_my_decisions_one_paper_at_a_time(dual):
    bob = dual.bob_m
    annotating.decide(bob, dual.other_paper.pk, "include")
    annotating.decide(bob, dual.paper.pk, "include")
    annotating.decide(bob, dual.other_paper.pk, "exclude", dual.off_topic.pk)
    annotating.decide(bob, dual.other_paper.pk, "maybe")
    annotating.decide(dual.dave_m, dual.other_paper.pk, "include")  # someone else's: never undone by bob

    def mine():
        return dict(ScreeningDecision.objects.filter(user=dual.bob).values_list("paper_id", "decision"))

    # The latest decision is the run of changes on the other paper since bob last touched another: back to include.
    assert annotating.undo_last_decision(bob) == dual.other_paper.pk
    assert mine() == {dual.paper.pk: "include", dual.other_paper.pk: "include"}

    assert annotating.undo_last_decision(bob) == dual.paper.pk
    assert mine() == {dual.other_paper.pk: "include"}

    assert annotating.undo_last_decision(bob) == dual.other_paper.pk
    assert mine() == {}
    assert annotating.undo_last_decision(bob) is None
    assert ScreeningDecision.objects.filter(user=dual.dave).count() == 1
    call_command("check_summaries")


def test_check_summaries_notices_a_wrong_final_decision(dual, capsys):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "include")
    ReviewPaper.objects.filter(review=dual.review, paper=dual.paper).update(final_decision="exclude")

    with pytest.raises(CommandError, match="1 row differ"):
        call_command("check_summaries")
    assert "final_decision" in capsys.readouterr().out

    call_command("check_summaries", "--fix")
    assert state(dual)[:2] == ("included", "include")


def test_history_records_decisions_resolutions_and_reopening(dual):
    annotating.decide(dual.bob_m, dual.paper.pk, "include")
    annotating.decide(dual.dave_m, dual.paper.pk, "exclude", dual.off_topic.pk)
    annotating.resolve(dual.rosa_m, dual.paper.pk, "include", note="Fits after all")
    annotating.decide(dual.dave_m, dual.paper.pk, "include")

    history = list(
        Change.objects.filter(review=dual.review)
        .order_by("at", "pk")
        .values_list("user__username", "kind", "before", "after")
    )
    excluded = {"decision": "exclude", "reason_id": dual.off_topic.pk, "reason": "Off topic"}
    resolved = {"decision": "include", "note": "Fits after all"}
    assert history == [
        ("bob", ChangeKind.DECISION, None, {"decision": "include"}),
        ("dave", ChangeKind.DECISION, None, excluded),
        ("rosa", ChangeKind.RESOLUTION, None, resolved),
        ("dave", ChangeKind.DECISION, excluded, {"decision": "include"}),
        ("dave", ChangeKind.RESOLUTION, resolved, {"reopened": True}),
    ]


def test_undo_takes_back_an_exclusion_and_its_reason_together(dual):
    # "e" then a digit: two changes, one decision. One undo leaves the paper as it was before both.
    bob = dual.bob_m
    annotating.decide(bob, dual.other_paper.pk, "include")
    annotating.decide(bob, dual.paper.pk, "exclude")
    annotating.decide(bob, dual.paper.pk, "exclude", dual.off_topic.pk)

    assert annotating.undo_last_decision(bob) == dual.paper.pk
    assert not ScreeningDecision.objects.filter(user=dual.bob, paper=dual.paper).exists()
    assert ScreeningDecision.objects.get(user=dual.bob, paper=dual.other_paper).decision == "include"

    # The next undo takes back the decision before, not the one just undone.
    assert annotating.undo_last_decision(bob) == dual.other_paper.pk
    assert not ScreeningDecision.objects.filter(user=dual.bob).exists()
    assert annotating.undo_last_decision(bob) is None
    call_command("check_summaries")


def test_a_vote_that_makes_the_screeners_agree_after_a_resolution_settles_the_paper(dual):
    annotating.decide(dual.bob_m, dual.paper.pk, "exclude")
    annotating.decide(dual.dave_m, dual.paper.pk, "include")
    annotating.resolve(dual.rosa_m, dual.paper.pk, "include")

    reopened = annotating.decide(dual.dave_m, dual.paper.pk, "exclude")

    assert reopened is not None and reopened.still_in_conflict is False
    assert state(dual)[:2] == ("excluded", "exclude")

    reopened = annotating.decide(dual.dave_m, dual.paper.pk, "maybe")
    assert reopened is None  # nothing stood to reopen; the paper is simply in conflict again
    assert state(dual)[:2] == ("conflict", "")
