"""One rule for ReviewPaper's summary columns, and the command that checks stored rows against it."""

import pytest
from django.core.management import CommandError, call_command

from reviews import annotating
from reviews.models import Membership, ReviewPaper, Score, ScreeningDecision
from reviews.models.review_paper import ROW_KEY_STAND_IN, row_recount_statements
from reviews.models.summaries import COMMENTS, DECISIONS, PARTS, SCORES
from tests.factories import make_paper, make_review, make_user


def member(team, user):
    return Membership.objects.select_related("review", "user").get(review=team.review, user=user)


def stored(team, paper):
    return ReviewPaper.objects.filter(review=team.review, paper=paper).values(*ReviewPaper.SUMMARY_COLUMNS).get()


@pytest.mark.parametrize(
    ("decisions", "status"),
    [
        ([], "undecided"),
        (["include"], "included"),
        (["maybe", "maybe"], "maybe"),
        (["exclude", "exclude"], "excluded"),
        (["include", "exclude"], "conflict"),
        (["maybe", "exclude"], "conflict"),
        (["include", "maybe", "exclude"], "conflict"),
    ],
)
def test_the_team_status_follows_the_decisions(team, decisions, status):
    for user, decision in zip([team.alice, team.bob, team.dave], decisions, strict=False):
        annotating.decide(member(team, user), team.paper.pk, decision)

    assert stored(team, team.paper)["team_status"] == status


def test_a_set_based_recount_of_a_whole_review_matches_the_per_paper_one(team):
    for paper_id in (team.paper.pk, team.other_paper.pk):
        annotating.set_score(member(team, team.bob), paper_id, 2)
        annotating.decide(member(team, team.bob), paper_id, "exclude")
    annotating.add_comment(member(team, team.dave), team.paper.pk, "Hm")
    per_paper = [stored(team, paper) for paper in (team.paper, team.other_paper)]
    ReviewPaper.objects.filter(review=team.review).update(
        team_status="undecided", exclude_count=0, score_count=0, score_mean=None, comment_count=0
    )

    assert ReviewPaper.objects.filter(review=team.review).recount() == 2

    assert [stored(team, paper) for paper in (team.paper, team.other_paper)] == per_paper


def test_check_summaries_finds_nothing_when_every_change_went_through_the_write_path(team, capsys):
    annotating.set_score(member(team, team.bob), team.paper.pk, 5)
    annotating.add_comment(member(team, team.bob), team.paper.pk, "Fine")

    call_command("check_summaries")

    assert "Every summary agrees with its annotations." in capsys.readouterr().out


def test_check_summaries_reports_rows_written_around_the_write_path_and_fix_repairs_them(team, capsys):
    Score.objects.create(review=team.review, paper=team.paper, user=team.bob, value=4)
    ScreeningDecision.objects.create(review=team.review, paper=team.other_paper, user=team.bob, decision="maybe")

    with pytest.raises(CommandError, match="2 rows differ"):
        call_command("check_summaries", team.review.slug)
    report = capsys.readouterr().out
    assert "llm-review: arXiv:2305.06500: score_count 0, recounted 1" in report
    assert "team_status 'undecided', recounted 'maybe'" in report

    call_command("check_summaries", team.review.slug, "--fix")
    assert "Repaired 2 rows." in capsys.readouterr().out
    assert stored(team, team.paper)["score_mean"] == 4.0
    assert stored(team, team.other_paper)["team_status"] == "maybe"
    call_command("check_summaries")


def test_check_summaries_checks_one_review_when_given_its_slug(team, capsys):
    other = make_review("other-review", papers=[make_paper("2401.00003")])
    user = make_user("zed")
    Score.objects.create(review=other, paper=other.papers.get(), user=user, value=1)

    call_command("check_summaries", team.review.slug)
    with pytest.raises(CommandError):
        call_command("check_summaries", "other-review")


def test_check_summaries_refuses_an_unknown_review(db):
    with pytest.raises(CommandError, match="no review with the slug"):
        call_command("check_summaries", "nope")


def test_deleting_a_user_recounts_the_papers_they_annotated(team):
    annotating.decide(member(team, team.bob), team.paper.pk, "include")
    annotating.decide(member(team, team.dave), team.paper.pk, "exclude")
    annotating.set_score(member(team, team.dave), team.paper.pk, 1)

    team.dave.delete()

    assert stored(team, team.paper)["team_status"] == "included"
    assert stored(team, team.paper)["score_count"] == 0
    call_command("check_summaries")


def test_a_compiled_row_recount_matches_the_queryset_recount(team):
    for paper_id in (team.paper.pk, team.other_paper.pk):
        annotating.set_score(member(team, team.bob), paper_id, 3)
        annotating.decide(member(team, team.bob), paper_id, "maybe")
        annotating.add_comment(member(team, team.dave), paper_id, "Hm")
    expected = [stored(team, paper) for paper in (team.paper, team.other_paper)]
    ReviewPaper.objects.filter(review=team.review).update(
        team_status="undecided", maybe_count=0, score_count=0, score_mean=None, comment_count=0
    )

    ReviewPaper.objects.recount_row(ReviewPaper.objects.get(review=team.review, paper=team.paper).pk)

    assert stored(team, team.paper) == expected[0]
    assert stored(team, team.other_paper) != expected[1], "only the row named is recounted"


@pytest.mark.parametrize("parts", [(DECISIONS,), (SCORES,), (COMMENTS,), PARTS])
def test_the_row_key_stand_in_is_the_only_parameter_it_could_be_mistaken_for(parts):
    for sql, params in row_recount_statements(parts, "default"):
        assert [param for param in params if param == ROW_KEY_STAND_IN] == [ROW_KEY_STAND_IN]
        assert sql.startswith("UPDATE")
