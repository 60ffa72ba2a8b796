"""Every write path records exactly the Change rows that say who changed what, from what to what, and when;
a refused change records nothing."""

import pytest
from django.utils import timezone

from reviews import annotating
from reviews.annotating import Gone, NotAllowed, Refused, Stale
from reviews.models import (
    Change,
    Comment,
    ExclusionReason,
    Membership,
    PaperTag,
    Resolution,
    Role,
    Score,
    ScreeningDecision,
    Tag,
)
from tests.factories import make_paper, make_review, make_user


def member(review, user) -> Membership:
    return Membership.objects.select_related("review", "user").get(review=review, user=user)


def changes(**filters) -> list[tuple]:
    """(username, kind, paper id, subject, before, after) of the recorded changes, oldest first."""
    rows = Change.objects.filter(**filters).order_by("at", "pk").select_related("user")
    return [(str(c.user) if c.user else None, c.kind, c.paper_id, c.subject, c.before, c.after) for c in rows]


@pytest.fixture
def bob(team):
    return member(team.review, team.bob)


@pytest.fixture
def alice(team):
    return member(team.review, team.alice)


@pytest.fixture
def off_topic(team):
    return ExclusionReason.objects.create(review=team.review, label="Off topic")


class TestDecisions:
    def test_a_new_decision_a_change_and_a_clear_are_each_one_row(self, team, bob, off_topic):
        started = timezone.now()
        annotating.decide(bob, team.paper.pk, "maybe")
        annotating.decide(bob, team.paper.pk, "exclude", off_topic.pk)
        annotating.decide(bob, team.paper.pk, "")

        excluded = {"decision": "exclude", "reason_id": off_topic.pk, "reason": "Off topic"}
        assert changes() == [
            ("bob", "decision", team.paper.pk, "", None, {"decision": "maybe"}),
            ("bob", "decision", team.paper.pk, "", {"decision": "maybe"}, excluded),
            ("bob", "decision", team.paper.pk, "", excluded, None),
        ]
        assert all(started <= change.at <= timezone.now() for change in Change.objects.all())
        assert set(Change.objects.values_list("review_id", flat=True)) == {team.review.pk}

    def test_the_same_decision_again_records_nothing(self, team, bob, off_topic):
        annotating.decide(bob, team.paper.pk, "exclude", off_topic.pk)
        annotating.decide(bob, team.paper.pk, "exclude", off_topic.pk)
        assert Change.objects.count() == 1

    def test_another_reason_is_a_change(self, team, bob, off_topic):
        survey = ExclusionReason.objects.create(review=team.review, label="Survey")
        annotating.decide(bob, team.paper.pk, "exclude", off_topic.pk)
        annotating.decide(bob, team.paper.pk, "exclude", survey.pk)
        last = Change.objects.first()
        assert (last.before["reason"], last.after["reason"]) == ("Off topic", "Survey")

    def test_undo_records_a_decision_back_to_the_previous_state_naming_what_it_undid(self, team, bob):
        annotating.decide(bob, team.paper.pk, "maybe")
        annotating.decide(bob, team.other_paper.pk, "exclude")  # another paper between: "maybe" was a decision
        annotating.decide(bob, team.paper.pk, "include")
        undone = Change.objects.first()

        assert annotating.undo_last_decision(bob) == team.paper.pk

        undo = Change.objects.first()
        assert (undo.kind, undo.subject, undo.before, undo.after) == (
            "decision",
            f"undo:{undone.pk}",
            {"decision": "include"},
            {"decision": "maybe"},
        )
        assert ScreeningDecision.objects.get(paper=team.paper).decision == "maybe"

    def test_an_undo_of_a_first_decision_clears_it(self, team, bob):
        annotating.decide(bob, team.paper.pk, "include")
        annotating.undo_last_decision(bob)
        assert Change.objects.first().after is None
        assert not ScreeningDecision.objects.exists()

    def test_a_refused_decision_records_nothing(self, team, bob, off_topic):
        other = make_review("other", papers=[team.paper], members={team.bob: Role.REVIEWER})
        foreign = ExclusionReason.objects.create(review=other, label="Elsewhere")
        with pytest.raises(Refused):
            annotating.decide(bob, team.paper.pk, "exclude", foreign.pk)
        with pytest.raises(Gone):
            annotating.decide(bob, team.paper.pk, "exclude", 10**9)
        with pytest.raises(NotAllowed):
            annotating.decide(member(team.review, team.olivia), team.paper.pk, "include")
        assert not Change.objects.exists()


class TestScores:
    def test_set_change_clear_and_the_same_again(self, team, bob):
        annotating.set_score(bob, team.paper.pk, 3)
        annotating.set_score(bob, team.paper.pk, 3)
        annotating.set_score(bob, team.paper.pk, 5)
        annotating.set_score(bob, team.paper.pk, None)
        assert changes() == [
            ("bob", "score", team.paper.pk, "", None, {"score": 3}),
            ("bob", "score", team.paper.pk, "", {"score": 3}, {"score": 5}),
            ("bob", "score", team.paper.pk, "", {"score": 5}, None),
        ]

    def test_a_refused_score_records_nothing(self, team, bob):
        with pytest.raises(Refused):
            annotating.set_score(bob, team.paper.pk, 9)
        assert not Change.objects.exists()


class TestTags:
    def test_apply_and_remove(self, team, bob):
        tag = annotating.apply_tag(bob, team.paper.pk, "efficiency")
        annotating.apply_tag(bob, team.paper.pk, "efficiency")  # already there: nothing new
        annotating.remove_tag(bob, team.paper.pk, tag.pk)
        assert changes() == [
            ("bob", "tag", team.paper.pk, str(tag.pk), None, {"tag": "efficiency"}),
            ("bob", "tag", team.paper.pk, str(tag.pk), {"tag": "efficiency"}, None),
        ]

    def test_a_curator_tagging_many_papers_records_each_newly_tagged_one(self, team):
        tag = annotating.apply_tag(member(team.review, team.bob), team.paper.pk, "efficiency")
        Change.objects.all().delete()
        # Tags are per person: bob's on the first paper is his, so alice's bulk tagging is new on both.
        annotating.apply_tag_to_papers(team.review, "efficiency", [team.paper, team.other_paper], team.alice)
        annotating.apply_tag_to_papers(team.review, "efficiency", [team.paper, team.other_paper], team.alice)
        assert sorted(changes()) == sorted(
            ("alice", "tag", paper.pk, str(tag.pk), None, {"tag": "efficiency"})
            for paper in (team.paper, team.other_paper)
        )

    def test_a_refused_tag_records_nothing(self, team, bob):
        team.review.allow_new_tags = False
        team.review.save()
        with pytest.raises(Refused):
            annotating.apply_tag(member(team.review, team.bob), team.paper.pk, "brand-new")
        assert not Change.objects.exists()


class TestComments:
    def test_add_edit_delete_restore(self, team, bob):
        comment = annotating.add_comment(bob, team.paper.pk, "Which models?")
        annotating.edit_comment(bob, comment, "Which models, exactly?")
        annotating.delete_comment(bob, comment)
        annotating.restore_comment(bob, comment.pk)
        subject = str(comment.pk)
        assert changes() == [
            ("bob", "comment", team.paper.pk, subject, None, {"body": "Which models?"}),
            ("bob", "comment", team.paper.pk, subject, {"body": "Which models?"}, {"body": "Which models, exactly?"}),
            ("bob", "comment", team.paper.pk, subject, {"body": "Which models, exactly?"}, None),
            ("bob", "comment", team.paper.pk, subject, {"deleted": True}, {"body": "Which models, exactly?"}),
        ]

    def test_an_owner_restores_another_members_comment_and_is_recorded_as_who(self, team, bob, alice):
        comment = annotating.add_comment(bob, team.paper.pk, "Which models?")
        annotating.delete_comment(bob, comment)
        annotating.restore_comment(alice, comment.pk)
        assert changes()[-1][:2] == ("alice", "comment")
        assert Comment.objects.get().deleted_at is None

    def test_refused_restores_record_nothing(self, team, bob):
        comment = annotating.add_comment(bob, team.paper.pk, "Which models?")
        with pytest.raises(Gone):
            annotating.restore_comment(bob, comment.pk)  # not deleted
        annotating.delete_comment(bob, comment)
        with pytest.raises(NotAllowed):
            annotating.restore_comment(member(team.review, team.dave), comment.pk)
        with pytest.raises(Gone):
            annotating.restore_comment(bob, 10**9)
        assert [row[5] for row in changes()] == [{"body": "Which models?"}, None]

    def test_a_quote_is_kept_with_the_body(self, team, bob):
        annotating.add_comment(bob, team.paper.pk, "Hm.", quote="instruction tuning")
        assert Change.objects.get().after == {"body": "Hm.", "quote": "instruction tuning"}

    def test_a_refused_comment_records_nothing(self, team, bob):
        with pytest.raises(Refused):
            annotating.add_comment(bob, team.paper.pk, "Hm.", quote="not in the abstract")
        with pytest.raises(Refused):
            annotating.add_comment(bob, team.paper.pk, "   ")
        assert not Change.objects.exists()


class TestCurators:
    def test_hiding_and_showing_comments_names_the_curator(self, team, bob):
        comment = annotating.add_comment(bob, team.paper.pk, "Spam")
        Change.objects.all().delete()
        annotating.set_comments_hidden(Comment.objects.all(), True, team.alice)
        annotating.set_comments_hidden(Comment.objects.all(), True, team.alice)  # already hidden: nothing
        annotating.set_comments_hidden(Comment.objects.all(), False, None)
        assert changes() == [
            ("alice", "comment", team.paper.pk, str(comment.pk), {"hidden": False}, {"hidden": True}),
            (None, "comment", team.paper.pk, str(comment.pk), {"hidden": True}, {"hidden": False}),
        ]

    def test_deleting_annotations_records_what_each_was(self, team, bob, off_topic):
        tag = annotating.apply_tag(bob, team.paper.pk, "efficiency")
        annotating.set_score(bob, team.paper.pk, 4)
        annotating.decide(bob, team.paper.pk, "exclude", off_topic.pk)
        Change.objects.all().delete()
        for model in (PaperTag, Score, ScreeningDecision):
            annotating.delete_annotations(model.objects.all(), team.alice)
        assert changes() == [
            ("alice", "tag", team.paper.pk, str(tag.pk), {"tag": "efficiency"}, None),
            ("alice", "score", team.paper.pk, "", {"score": 4}, None),
            (
                "alice",
                "decision",
                team.paper.pk,
                "",
                {"decision": "exclude", "reason_id": off_topic.pk, "reason": "Off topic"},
                None,
            ),
        ]

    def test_deleting_a_comment_records_the_replies_that_go_with_it(self, team, bob, alice):
        question = annotating.add_comment(bob, team.paper.pk, "Which models?")
        answer = annotating.add_comment(alice, team.paper.pk, "All of them.", parent_id=question.pk)
        Change.objects.all().delete()
        annotating.delete_annotations(Comment.objects.filter(pk=question.pk), None)
        assert sorted(changes(), key=lambda row: int(row[3])) == [
            (None, "comment", team.paper.pk, str(question.pk), {"body": "Which models?"}, None),
            (None, "comment", team.paper.pk, str(answer.pk), {"body": "All of them."}, None),
        ]
        assert not Comment.objects.exists()


def test_a_bulk_load_records_who_made_each_row(team, off_topic):
    tag = Tag.objects.create(review=team.review, name="efficiency")
    review, paper = team.review, team.paper
    annotating.bulk_annotate(
        review,
        decisions=[ScreeningDecision(review=review, paper=paper, user=team.bob, decision="exclude", reason=off_topic)],
        scores=[Score(review=review, paper=paper, user=team.dave, value=2)],
        paper_tags=[PaperTag(review=review, paper=paper, tag=tag, applied_by=team.dave)],
        comments=[Comment(review=review, paper=paper, author=team.alice, body="Bulk")],
    )
    comment = Comment.objects.get()
    assert sorted(changes(), key=lambda row: row[1]) == [
        ("alice", "comment", paper.pk, str(comment.pk), None, {"body": "Bulk"}),
        (
            "bob",
            "decision",
            paper.pk,
            "",
            None,
            {"decision": "exclude", "reason_id": off_topic.pk, "reason": "Off topic"},
        ),
        ("dave", "score", paper.pk, "", None, {"score": 2}),
        ("dave", "tag", paper.pk, str(tag.pk), None, {"tag": "efficiency"}),
    ]


class TestResolutions:
    @pytest.fixture
    def dual(self, db):
        users = {name: make_user(name) for name in ("alice", "bob", "carol", "rosa")}
        paper = make_paper("2305.06500", abstract="Instruction tuning.")
        review = make_review(
            papers=[paper],
            members={users["alice"]: Role.OWNER, users["bob"]: Role.REVIEWER, users["carol"]: Role.REVIEWER,
                     users["rosa"]: Role.RESOLVER},
            blind=True,
            required_screeners=2,
        )  # fmt: skip
        members = {name: member(review, user) for name, user in users.items()}
        annotating.decide(members["bob"], paper.pk, "include")
        annotating.decide(members["carol"], paper.pk, "exclude")
        Change.objects.all().delete()
        return review, paper, members

    def test_first_resolution_re_resolution_and_a_reopening_vote(self, dual):
        review, paper, members = dual
        annotating.resolve(members["rosa"], paper.pk, "include", note="Fits")
        annotating.resolve(members["alice"], paper.pk, "exclude")
        annotating.decide(members["bob"], paper.pk, "maybe")
        assert changes() == [
            ("rosa", "resolution", paper.pk, "", None, {"decision": "include", "note": "Fits"}),
            ("alice", "resolution", paper.pk, "", {"decision": "include", "note": "Fits"},
             {"decision": "exclude", "note": ""}),
            ("bob", "decision", paper.pk, "", {"decision": "include"}, {"decision": "maybe"}),
            ("bob", "resolution", paper.pk, "", {"decision": "exclude", "note": ""}, {"reopened": True}),
        ]  # fmt: skip
        assert Resolution.objects.get().reopened_by == members["bob"].user

    def test_resolving_again_after_a_reopening_starts_from_none(self, dual):
        review, paper, members = dual
        annotating.resolve(members["rosa"], paper.pk, "include")
        annotating.decide(members["bob"], paper.pk, "exclude")  # now they agree: no conflict
        annotating.decide(members["bob"], paper.pk, "include")  # conflict again
        Change.objects.all().delete()
        annotating.resolve(members["rosa"], paper.pk, "exclude")
        assert changes()[0][4] is None

    def test_a_stale_or_forbidden_resolution_records_nothing(self, dual):
        review, paper, members = dual
        with pytest.raises(Stale):
            annotating.resolve(members["rosa"], paper.pk, "include", seen="not-what-it-is")
        with pytest.raises(NotAllowed):
            annotating.resolve(members["bob"], paper.pk, "include")
        with pytest.raises(Refused):
            annotating.resolve(members["rosa"], paper.pk, "maybe")
        assert not Change.objects.exists()
        assert not Resolution.objects.exists()
