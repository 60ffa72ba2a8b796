"""The one write path for annotations, called directly: every action, every role, and input it must refuse."""

import pytest
from django.core.management import call_command

from reviews import annotating
from reviews.annotating import Gone, NotAllowed, PaperGone, Refused
from reviews.models import (
    MAX_TAGS_PER_REVIEW,
    Comment,
    ExclusionReason,
    Membership,
    PaperTag,
    ReviewPaper,
    Score,
    ScreeningDecision,
    Tag,
)
from tests.factories import make_paper, make_review


def member(team, user) -> Membership:
    return Membership.objects.select_related("review", "user").get(review=team.review, user=user)


def summary(team, paper=None) -> ReviewPaper:
    return ReviewPaper.objects.get(review=team.review, paper=paper or team.paper)


def annotation_rows() -> tuple:
    """Everything the write path can write, to show a refused change wrote nothing."""
    return (
        sorted(PaperTag.objects.values_list("tag__name", "paper_id")),
        sorted(Score.objects.values_list("user_id", "paper_id", "value")),
        sorted(ScreeningDecision.objects.values_list("user_id", "paper_id", "decision", "reason_id")),
        sorted(Comment.objects.values_list("author_id", "paper_id", "body", "deleted_at")),
        sorted(Tag.objects.values_list("name", flat=True)),
        list(ReviewPaper.objects.order_by("pk").values_list(*ReviewPaper.SUMMARY_COLUMNS)),
    )


def every_action(membership, paper_id, reason=None):
    """Each write, as a thunk, for the role matrix."""
    return {
        "apply tag": lambda: annotating.apply_tag(membership, paper_id, "Efficiency"),
        "remove tag": lambda: annotating.remove_tag(membership, paper_id, 1),
        "score": lambda: annotating.set_score(membership, paper_id, 4),
        "clear score": lambda: annotating.set_score(membership, paper_id, None),
        "decide": lambda: annotating.decide(membership, paper_id, "exclude", reason and reason.pk),
        "clear decision": lambda: annotating.decide(membership, paper_id, ""),
        "comment": lambda: annotating.add_comment(membership, paper_id, "Looks relevant."),
    }


@pytest.fixture
def reason(team):
    return ExclusionReason.objects.create(review=team.review, label="Off topic")


@pytest.mark.parametrize("action", list(every_action(None, 0)))
@pytest.mark.parametrize("role", ["alice", "bob"])
def test_owners_and_reviewers_can_take_every_action_and_summaries_stay_true(team, reason, role, action):
    every_action(member(team, getattr(team, role)), team.paper.pk, reason)[action]()

    call_command("check_summaries", team.review.slug)


@pytest.mark.parametrize("action", list(every_action(None, 0)))
def test_observers_are_refused_every_action_and_nothing_is_written(team, reason, action):
    before = annotation_rows()

    with pytest.raises(NotAllowed) as refusal:
        every_action(member(team, team.olivia), team.paper.pk, reason)[action]()

    assert refusal.value.status == 403
    assert annotation_rows() == before


@pytest.mark.parametrize("action", list(every_action(None, 0)))
def test_every_action_on_a_paper_outside_the_review_says_it_is_gone(team, reason, action):
    outside = make_paper("2401.00001")
    before = annotation_rows()

    with pytest.raises(PaperGone) as refusal:
        every_action(member(team, team.bob), outside.pk, reason)[action]()

    assert refusal.value.status == 404
    assert annotation_rows() == before


def test_scores_and_decisions_are_summed_up_as_they_change(team):
    bob, dave = member(team, team.bob), member(team, team.dave)

    annotating.set_score(bob, team.paper.pk, 2)
    annotating.set_score(dave, team.paper.pk, 5)
    annotating.decide(bob, team.paper.pk, "include")
    annotating.decide(dave, team.paper.pk, "exclude")
    row = summary(team)
    assert (row.score_count, row.score_mean, row.score_min, row.score_max) == (2, 3.5, 2, 5)
    assert (row.include_count, row.exclude_count, row.team_status) == (1, 1, "conflict")

    annotating.decide(dave, team.paper.pk, "include")
    annotating.set_score(bob, team.paper.pk, None)
    row = summary(team)
    assert (row.team_status, row.include_count, row.exclude_count) == ("included", 2, 0)
    assert (row.score_count, row.score_mean, row.score_spread) == (1, 5.0, 0)

    annotating.decide(bob, team.paper.pk, "")
    annotating.decide(dave, team.paper.pk, "")
    assert summary(team).team_status == "undecided"


@pytest.mark.parametrize("value", [0, 6, -1, 10**20])
def test_a_score_outside_one_to_five_is_refused(team, value):
    with pytest.raises(Refused, match="from 1 to 5"):
        annotating.set_score(member(team, team.bob), team.paper.pk, value)
    assert not Score.objects.exists()


def test_an_unknown_decision_is_refused(team):
    with pytest.raises(Refused, match="include, maybe or exclude"):
        annotating.decide(member(team, team.bob), team.paper.pk, "perhaps")
    assert not ScreeningDecision.objects.exists()


def test_a_reason_is_kept_with_an_exclusion_only(team, reason):
    bob = member(team, team.bob)

    annotating.decide(bob, team.paper.pk, "include", reason.pk)
    assert ScreeningDecision.objects.get().reason is None
    annotating.decide(bob, team.paper.pk, "exclude", reason.pk)
    assert ScreeningDecision.objects.get().reason == reason


def test_a_reason_deleted_before_the_decision_is_written_is_refused_as_gone(team, reason):
    reason_id = reason.pk
    reason.delete()

    with pytest.raises(Gone, match="just deleted") as refusal:
        annotating.decide(member(team, team.bob), team.paper.pk, "exclude", reason_id)

    assert refusal.value.status == 409
    assert not ScreeningDecision.objects.exists()


def test_a_reason_of_another_review_is_refused(team):
    elsewhere = ExclusionReason.objects.create(review=make_review("other-review"), label="Elsewhere")

    with pytest.raises(Refused, match="not one of this review's") as refusal:
        annotating.decide(member(team, team.bob), team.paper.pk, "exclude", elsewhere.pk)
    assert refusal.value.status == 422
    assert not ScreeningDecision.objects.exists()


def test_tags_are_found_by_their_name_under_the_naming_rules(team):
    bob = member(team, team.bob)

    first = annotating.apply_tag(bob, team.paper.pk, "Chain of Thought")
    again = annotating.apply_tag(bob, team.other_paper.pk, "  ＣＨＡＩＮ  of\u200b thought ")

    assert first == again
    assert Tag.objects.count() == 1
    assert PaperTag.objects.count() == 2


def test_applying_a_tag_twice_keeps_one_assignment(team):
    bob = member(team, team.bob)

    annotating.apply_tag(bob, team.paper.pk, "RLHF")
    annotating.apply_tag(bob, team.paper.pk, "rlhf")

    assert PaperTag.objects.count() == 1


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200b", "\u202e\u2066", "\x00\x01", "x" * 50])
def test_names_with_nothing_visible_or_too_long_are_refused(team, name):
    with pytest.raises(Refused):
        annotating.apply_tag(member(team, team.bob), team.paper.pk, name)
    assert not Tag.objects.exists()


def test_new_tags_are_refused_to_reviewers_when_the_owner_turned_them_off(team):
    team.review.allow_new_tags = False
    team.review.save()
    Tag.objects.create(review=team.review, name="Known")

    with pytest.raises(Refused, match="new tags are turned off"):
        annotating.apply_tag(member(team, team.bob), team.paper.pk, "Unknown")
    annotating.apply_tag(member(team, team.bob), team.paper.pk, "known")
    annotating.apply_tag(member(team, team.alice), team.paper.pk, "Owners may")

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Known", "Owners may"]


def test_a_full_vocabulary_refuses_new_tags_but_applies_known_ones(team):
    Tag.objects.bulk_create(
        [Tag(review=team.review, name=f"t{n}", normalised_name=f"t{n}") for n in range(MAX_TAGS_PER_REVIEW)]
    )
    bob = member(team, team.bob)

    with pytest.raises(Refused, match=f"already has {MAX_TAGS_PER_REVIEW} tags"):
        annotating.apply_tag(bob, team.paper.pk, "one too many")
    annotating.apply_tag(bob, team.paper.pk, "T7")

    assert Tag.objects.count() == MAX_TAGS_PER_REVIEW
    assert PaperTag.objects.get().tag.name == "t7"


def test_a_comment_quotes_the_abstract_as_it_stands(team):
    comment = annotating.add_comment(
        member(team, team.bob), team.paper.pk, "Which models?", quote="instruction\n  tuning", quote_near=0
    )

    assert comment.quote == "instruction tuning"
    assert (comment.quote_start, comment.quote_end) == (16, 34)
    assert summary(team).comment_count == 1


@pytest.mark.parametrize(
    ("body", "options", "message"),
    [
        ("  ", {}, "Write something"),
        ("Hm", {"quote": "not in the abstract"}, "not in the abstract"),
        ("Hm", {"parent_id": 10**18}, "no longer exists"),
    ],
)
def test_bad_comments_are_refused_and_nothing_is_written(team, body, options, message):
    before = annotation_rows()

    with pytest.raises(Refused, match=message):
        annotating.add_comment(member(team, team.bob), team.paper.pk, body, **options)

    assert annotation_rows() == before


def test_a_reply_must_be_to_a_comment_on_the_same_paper(team):
    bob = member(team, team.bob)
    elsewhere = annotating.add_comment(bob, team.other_paper.pk, "On the other paper")

    with pytest.raises(Refused, match="no longer exists"):
        annotating.add_comment(bob, team.paper.pk, "Reply", parent_id=elsewhere.pk)


def test_only_authors_edit_and_delete_their_comments(team):
    comment = annotating.add_comment(member(team, team.bob), team.paper.pk, "Mine")

    with pytest.raises(NotAllowed, match="your own comments"):
        annotating.edit_comment(member(team, team.dave), comment, "Hijacked")
    with pytest.raises(NotAllowed, match="your own comments"):
        annotating.delete_comment(member(team, team.alice), comment)

    assert Comment.objects.get().body == "Mine"


def test_a_deleted_comment_with_replies_stays_as_a_placeholder_and_is_not_counted(team):
    bob, dave = member(team, team.bob), member(team, team.dave)
    comment = annotating.add_comment(bob, team.paper.pk, "Question")
    annotating.add_comment(dave, team.paper.pk, "Answer", parent_id=comment.pk)

    annotating.delete_comment(bob, comment)

    assert Comment.objects.get(pk=comment.pk).deleted_at is not None
    assert summary(team).comment_count == 1
    with pytest.raises(Gone):
        annotating.edit_comment(bob, comment, "Back from the dead")


def test_hiding_and_deleting_comments_in_bulk_keeps_counts_true(team):
    bob = member(team, team.bob)
    for paper in (team.paper, team.other_paper):
        annotating.add_comment(bob, paper.pk, "One")
        annotating.add_comment(bob, paper.pk, "Two")

    assert annotating.set_comments_hidden(Comment.objects.filter(body="One"), True) == 2
    assert [summary(team, paper).comment_count for paper in (team.paper, team.other_paper)] == [1, 1]
    annotating.delete_annotations(Comment.objects.filter(paper=team.paper))
    assert [summary(team, paper).comment_count for paper in (team.paper, team.other_paper)] == [0, 1]
    call_command("check_summaries")


def test_bulk_annotate_writes_many_rows_and_recounts_their_papers(team):
    review = team.review
    annotating.bulk_annotate(
        review,
        decisions=[
            ScreeningDecision(review=review, paper=team.paper, user=team.bob, decision="include"),
            ScreeningDecision(review=review, paper=team.paper, user=team.dave, decision="maybe"),
        ],
        scores=[Score(review=review, paper=team.other_paper, user=team.bob, value=3)],
        comments=[Comment(review=review, paper=team.paper, author=team.bob, body="**Bold**")],
    )

    assert summary(team).team_status == "conflict"
    assert summary(team).comment_count == 1
    assert summary(team, team.other_paper).score_mean == 3.0
    assert Comment.objects.get().body_html == "<p><strong>Bold</strong></p>"
    call_command("check_summaries")


def test_bulk_annotate_refuses_rows_of_papers_outside_the_review_and_writes_nothing(team):
    outside = make_paper("2401.00002")

    with pytest.raises(PaperGone):
        annotating.bulk_annotate(
            team.review,
            scores=[
                Score(review=team.review, paper=team.paper, user=team.bob, value=3),
                Score(review=team.review, paper=outside, user=team.bob, value=3),
            ],
        )
    assert not Score.objects.exists()


def test_deleting_the_last_reply_of_a_placeholder_removes_the_placeholder_from_the_thread_too(team):
    bob, dave = member(team, team.bob), member(team, team.dave)
    question = annotating.add_comment(bob, team.paper.pk, "Question")
    answer = annotating.add_comment(dave, team.paper.pk, "Answer", parent_id=question.pk)
    annotating.delete_comment(bob, question)
    assert [c.pk for c in Comment.objects.thread(team.review.pk, team.paper.pk)] == [question.pk]

    annotating.delete_comment(dave, answer)

    assert Comment.objects.thread(team.review.pk, team.paper.pk) == []
    assert Comment.objects.exclude(deleted_at=None).count() == 2  # kept, so their authors can restore them
    assert summary(team).comment_count == 0


def test_a_placeholder_cannot_be_replied_to(team):
    bob = member(team, team.bob)
    question = annotating.add_comment(bob, team.paper.pk, "Question")
    annotating.add_comment(member(team, team.dave), team.paper.pk, "Answer", parent_id=question.pk)
    annotating.delete_comment(bob, question)

    with pytest.raises(Refused, match="no longer exists"):
        annotating.add_comment(bob, team.paper.pk, "To the void", parent_id=question.pk)
