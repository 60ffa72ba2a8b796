"""The review list's tag filters return exactly the rows the rule says, in open and blind mode: checked against
the rule written out in Python over every paper, tag and member of a review whose team tagged and decided at
random (a blinded member sees a tag only if they applied it, or decided on its paper)."""

import random

import pytest

from reviews.models import DecisionChoice, Membership, PaperTag, ReviewPaper, Role, ScreeningDecision, Tag
from tests.factories import make_paper, make_review, make_user


@pytest.fixture
def team_review(db):
    rng = random.Random(11)
    members = [make_user(name) for name in ("ana", "ben", "cai", "dee")]
    papers = [make_paper(f"2301.{n:05d}") for n in range(1, 41)]
    # Another review's tags and decisions on the same papers must never count.
    other = make_review("other", papers=papers, members={member: Role.REVIEWER for member in members})
    review = make_review("tagged", papers=papers, members={member: Role.REVIEWER for member in members})
    tags = [Tag.objects.create(review=review, name=f"tag {n}") for n in range(3)]
    other_tag = Tag.objects.create(review=other, name="tag 0")
    for paper in papers:
        for member in members:
            if rng.random() < 0.4:
                decision = rng.choice(DecisionChoice.values)
                ScreeningDecision.objects.create(review=review, paper=paper, user=member, decision=decision)
            if rng.random() < 0.3:
                ScreeningDecision.objects.create(review=other, paper=paper, user=member, decision="include")
            for tag in tags:
                if rng.random() < 0.15:
                    PaperTag.objects.create(review=review, paper=paper, tag=tag, applied_by=member)
            if rng.random() < 0.3:
                PaperTag.objects.create(review=other, paper=paper, tag=other_tag, applied_by=member)
    PaperTag.objects.create(review=review, paper=papers[0], tag=tags[0], applied_by=None)  # a departed member's
    return review, members, tags


def visible_tags(review, paper_id: int, tag_ids: set[int], member) -> set[int]:
    """The tags of ``tag_ids`` on the paper that ``member`` may see (everyone's when ``member`` is None)."""
    decided = member is None or ScreeningDecision.objects.filter(review=review, paper_id=paper_id, user=member).exists()
    rows = PaperTag.objects.filter(review=review, paper_id=paper_id, tag_id__in=tag_ids)
    return {row.tag_id for row in rows if decided or row.applied_by_id == getattr(member, "pk", None)}


@pytest.mark.parametrize("match", ["any", "all", "none"])
@pytest.mark.parametrize("chosen", [(0,), (0, 1), (1, 2)])
def test_the_tag_filters_match_the_rule_row_for_row(team_review, match, chosen):
    review, members, tags = team_review
    tag_ids = {tags[index].pk for index in chosen}
    rows = ReviewPaper.objects.filter(review=review)
    for member, named_review in [(None, None), *((member, review) for member in members), (members[0], None)]:
        method = {"any": rows.tagged_with_any, "all": rows.tagged_with_all, "none": rows.tagged_with_none}[match]
        got = set(method(sorted(tag_ids), visible_to=member, review=named_review).values_list("paper_id", flat=True))
        expected = set()
        for paper_id in rows.values_list("paper_id", flat=True):
            seen = visible_tags(review, paper_id, tag_ids, member)
            if {"any": bool(seen), "all": seen == tag_ids, "none": not seen}[match]:
                expected.add(paper_id)
        assert got == expected, f"{match} of {chosen} as {getattr(member, 'username', 'the open list')}"
        assert 0 < len(expected) < rows.count() or match == "all", "the data leaves both sides of the filter"


def test_a_blinded_member_never_matches_a_tag_only_others_applied_on_an_undecided_paper(team_review):
    review, members, tags = team_review
    ana = members[0]
    hidden = (
        PaperTag.objects.filter(review=review, tag=tags[0])
        .exclude(applied_by=ana)
        .exclude(paper__in=ScreeningDecision.objects.filter(review=review, user=ana).values("paper_id"))
        .exclude(paper__in=PaperTag.objects.filter(review=review, tag=tags[0], applied_by=ana).values("paper_id"))
        .values_list("paper_id", flat=True)
    )
    assert hidden, "some paper carries only tags ana may not see"
    rows = ReviewPaper.objects.filter(review=review)
    matched = rows.tagged_with_any([tags[0].pk], visible_to=ana, review=review).values_list("paper_id", flat=True)
    unmatched = rows.tagged_with_none([tags[0].pk], visible_to=ana, review=review).values_list("paper_id", flat=True)
    assert not set(hidden) & set(matched)
    assert set(hidden) <= set(unmatched)
    assert Membership.objects.filter(review=review, user=ana).exists()
