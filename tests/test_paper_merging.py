"""Merging two papers that are one: every annotation kept, conflicts settled newest-wins with history, refusals."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from papers.models import DuplicateCandidate, DuplicateStatus, ImportBatch, Paper, PaperAlias
from reviews import annotating
from reviews.models import (
    Assignment,
    Change,
    ChangeKind,
    Comment,
    Membership,
    PaperTag,
    Resolution,
    ReviewPaper,
    Role,
    Score,
    ScreeningDecision,
)
from reviews.paper_merging import MergeRefused, merge_candidate, merge_papers, reject_candidate
from reviews.timeline import change_words
from tests.factories import logged_in, make_paper, make_review, make_user


def member(review, user):
    return Membership.objects.select_related("review", "user").get(review=review, user=user)


def pair_of(first, second, score=95.0):
    low, high = sorted((first.pk, second.pk))
    return DuplicateCandidate.objects.create(paper_a_id=low, paper_b_id=high, score=score)


def snapshot():
    """Every row a merge could touch, to prove a refusal wrote nothing."""
    models = (Paper, ReviewPaper, ScreeningDecision, Score, PaperTag, Comment, Resolution, Change, DuplicateCandidate)
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in models} | {
        "aliases": PaperAlias.objects.count(),
        "links": sorted(Paper.import_batches.through.objects.values_list("paper_id", "importbatch_id")),
    }


@pytest.fixture
def world(db):
    """An open review holding a preprint and its published version, both annotated by the team."""

    class World:
        alice, bob, carol, eve = make_user("alice"), make_user("bob"), make_user("carol"), make_user("eve")
        preprint = make_paper(
            "2001.08361", title="Scaling Laws for Neural Language Models", abstract="We study scaling laws."
        )
        published = Paper.objects.create(
            title="Scaling laws for neural language models",
            doi="10.1234/jml.2021.7",
            year=2021,
            venue="Journal of Machine Learning",
            abstract="We study empirical scaling laws for the cross-entropy loss of language models.",
            authors=["Jared Kaplan"],
        )
        review = make_review(
            papers=[preprint, published],
            members={alice: Role.OWNER, bob: Role.REVIEWER, carol: Role.REVIEWER},
            required_screeners=2,
        )

    w = World
    alice, bob, carol = member(w.review, w.alice), member(w.review, w.bob), member(w.review, w.carol)
    # bob decided both: include on the preprint first, exclude on the published version later.
    annotating.decide(bob, w.preprint.pk, "include")
    annotating.decide(bob, w.published.pk, "exclude")
    ScreeningDecision.objects.filter(paper=w.preprint).update(updated_at=timezone.now() - timedelta(days=2))
    # carol decided only the published version; her score there is older than bob's.
    annotating.decide(carol, w.published.pk, "exclude")
    annotating.set_score(bob, w.preprint.pk, 2)
    annotating.set_score(bob, w.published.pk, 4)
    Score.objects.filter(paper=w.published).update(updated_at=timezone.now() - timedelta(days=3))
    annotating.apply_tag(bob, w.preprint.pk, "scaling")
    annotating.apply_tag(bob, w.published.pk, "scaling")
    annotating.apply_tag(carol, w.published.pk, "loss")
    w.question = annotating.add_comment(carol, w.published.pk, "Is this the journal version?")
    w.answer = annotating.add_comment(bob, w.published.pk, "Yes, with more experiments.", parent_id=w.question.pk)
    Assignment.objects.create(review=w.review, paper=w.preprint, user=w.bob)
    Assignment.objects.create(review=w.review, paper=w.published, user=w.bob)
    Assignment.objects.create(review=w.review, paper=w.published, user=w.carol)
    w.arxiv_batch = ImportBatch.objects.create(file_name="arxiv.jsonl", format="jsonl")
    w.scopus_batch = ImportBatch.objects.create(file_name="scopus.csv", format="csv", duplicate_count=1)
    w.arxiv_batch.papers.add(w.preprint)
    w.scopus_batch.papers.add(w.published)
    w.pair = pair_of(w.preprint, w.published)
    w.alice_membership = alice
    return w


def test_merging_keeps_the_first_paper_enriched_by_the_second(world):
    result = merge_candidate(world.alice_membership, world.pair.pk)

    survivor = Paper.objects.get()
    assert result.survivor.pk == survivor.pk == world.preprint.pk
    assert survivor.arxiv_id == "2001.08361"
    assert survivor.doi == "10.1234/jml.2021.7" and survivor.venue == "Journal of Machine Learning"
    assert survivor.year == 2021 and survivor.authors == ["Jared Kaplan"]
    assert set(survivor.import_batches.all()) == {world.arxiv_batch, world.scopus_batch}


def test_merging_keeps_every_annotation_with_the_newer_of_two_by_one_reviewer(world):
    merge_candidate(world.alice_membership, world.pair.pk)
    survivor = world.preprint.pk

    decisions = dict(ScreeningDecision.objects.filter(paper_id=survivor).values_list("user__username", "decision"))
    assert decisions == {"bob": "exclude", "carol": "exclude"}  # bob's later exclude beat his older include
    scores = dict(Score.objects.filter(paper_id=survivor).values_list("user__username", "value"))
    assert scores == {"bob": 2}  # the preprint's score was the newer one
    tags = sorted(PaperTag.objects.filter(paper_id=survivor).values_list("tag__name", "applied_by__username"))
    assert tags == [("loss", "carol"), ("scaling", "bob")]
    answer = Comment.objects.get(pk=world.answer.pk)
    assert answer.paper_id == survivor and answer.parent_id == world.question.pk
    assert sorted(Assignment.objects.filter(paper_id=survivor).values_list("user__username", flat=True)) == [
        "bob",
        "carol",
    ]
    assert not Change.objects.filter(paper_id=world.published.pk).exists()
    row = ReviewPaper.objects.get()
    assert (row.exclude_count, row.include_count, row.team_status, row.final_decision) == (2, 0, "excluded", "exclude")
    assert (row.score_count, row.comment_count) == (1, 2)
    assert list(ReviewPaper.objects.all().summary_mismatches()) == []


def test_the_history_records_the_merge_and_each_replaced_annotation(world):
    merge_candidate(world.alice_membership, world.pair.pk)

    merges = Change.objects.filter(kind=ChangeKind.MERGE, paper_id=world.preprint.pk, user=world.alice)
    words = sorted(change_words(change) for change in merges)
    assert words == [
        "merged the duplicate doi:10.1234/jml.2021.7 (“Scaling laws for neural language models”) into this paper",
        "merging duplicates kept the newer decision: bob's include replaced by exclude",
        "merging duplicates kept the newer score: bob's 4 replaced by 2",
    ]


def test_a_resolution_on_each_paper_keeps_the_newer(world):
    rosa = make_user("rosa")
    Membership.objects.create(review=world.review, user=rosa, role=Role.RESOLVER)
    for paper, decision, days in ((world.preprint, "include", 1), (world.published, "exclude", 5)):
        Resolution.objects.create(
            review=world.review, paper=paper, decision=decision, resolved_by=rosa,
            resolved_at=timezone.now() - timedelta(days=days),
        )  # fmt: skip
    merge_candidate(world.alice_membership, world.pair.pk)

    assert list(Resolution.objects.values_list("paper_id", "decision")) == [(world.preprint.pk, "include")]
    assert Change.objects.filter(kind=ChangeKind.MERGE, subject="resolution").count() == 1


def test_the_merged_papers_old_addresses_lead_to_the_survivor(world, client):
    old_key = world.published.key
    merge_candidate(world.alice_membership, world.pair.pk)
    logged_in(client, world.alice)

    response = client.get(reverse("papers:detail", args=[old_key]))
    assert response.status_code == 301 and response["Location"] == reverse("papers:detail", args=["2001.08361"])
    response = client.get(reverse("reviews:paper", args=[world.review.slug, old_key]) + "?page=2")
    assert response.status_code == 301
    assert response["Location"] == reverse("reviews:paper", args=[world.review.slug, "2001.08361"]) + "?page=2"
    assert client.get(reverse("papers:detail", args=["paper-999999"])).status_code == 404


def test_merging_into_a_paper_not_in_the_review_moves_the_review_row(db):
    alice = make_user("alice")
    outside = Paper.objects.create(title="Hair cortisol and stress in nurses: a cohort", year=2020)
    inside = Paper.objects.create(title="Hair cortisol and stress in nurses", year=2020, doi="10.1/n")
    review = make_review(papers=[inside], members={alice: Role.OWNER})
    annotating.decide(member(review, alice), inside.pk, "include")

    merge_papers(outside.pk, inside.pk, user=alice)

    row = ReviewPaper.objects.get(review=review)
    assert row.paper_id == outside.pk and row.include_count == 1
    assert Paper.objects.get().doi == "10.1/n"


def test_other_pairs_of_the_merged_paper_follow_the_survivor_and_a_rejection_stays(world):
    third = Paper.objects.create(title="Scaling laws for neural language models (extended)", year=2021)
    fourth = Paper.objects.create(title="Scaling laws of neural language models", year=2021)
    pair_of(world.published, third)
    rejected = pair_of(world.published, fourth)
    rejected.status = DuplicateStatus.REJECTED
    rejected.save()

    merge_candidate(world.alice_membership, world.pair.pk)

    pairs = set(DuplicateCandidate.objects.values_list("paper_a_id", "paper_b_id", "status"))
    assert pairs == {(world.preprint.pk, third.pk, "open"), (world.preprint.pk, fourth.pk, "rejected")}


# Refusals: nothing written


def test_a_paper_is_never_merged_into_itself(world):
    before = snapshot()
    with pytest.raises(MergeRefused, match="into itself"):
        merge_papers(world.preprint.pk, world.preprint.pk)
    assert snapshot() == before


def test_a_pair_that_is_not_listed_cannot_be_merged_from_a_review(world):
    other = Paper.objects.create(title="Something else entirely, about cortisol", year=2020)
    world.review.add_papers([other.pk])
    before = snapshot()
    with pytest.raises(MergeRefused) as refused:
        merge_candidate(world.alice_membership, 987654)
    assert refused.value.status == 404
    world.pair.status = DuplicateStatus.REJECTED
    world.pair.save()
    with pytest.raises(MergeRefused):
        merge_candidate(world.alice_membership, world.pair.pk)
    assert snapshot() == before


def test_a_pair_with_a_paper_in_another_teams_review_is_out_of_the_owners_scope(world):
    other_owner = make_user("olga")
    make_review("other-review", papers=[world.published], members={other_owner: Role.OWNER})
    before = snapshot()

    with pytest.raises(MergeRefused, match="review you do not own") as refused:
        merge_candidate(world.alice_membership, world.pair.pk)
    assert refused.value.status == 403
    with pytest.raises(MergeRefused):
        reject_candidate(world.alice_membership, world.pair.pk)
    assert snapshot() == before
    # A curator's scope is the whole corpus.
    merge_papers(world.pair.paper_a_id, world.pair.paper_b_id)
    assert ReviewPaper.objects.filter(paper=world.preprint).count() == 2


def test_a_pair_of_papers_outside_the_review_is_refused_even_with_its_id(world):
    elsewhere_a = Paper.objects.create(title="A paper about cortisol in hair of dogs", year=2020)
    elsewhere_b = Paper.objects.create(title="A paper about cortisol in the hair of dogs", year=2020)
    crafted = pair_of(elsewhere_a, elsewhere_b)
    before = snapshot()
    with pytest.raises(MergeRefused) as refused:
        merge_candidate(world.alice_membership, crafted.pk)
    assert refused.value.status == 404
    assert snapshot() == before


def test_reviewers_cannot_merge(world):
    with pytest.raises(MergeRefused) as refused:
        merge_candidate(member(world.review, world.bob), world.pair.pk)
    assert refused.value.status == 403


def test_rejecting_a_pair_marks_who_and_when(world):
    reject_candidate(world.alice_membership, world.pair.pk)
    world.pair.refresh_from_db()
    assert world.pair.status == DuplicateStatus.REJECTED
    assert world.pair.decided_by == world.alice and world.pair.decided_at is not None
    assert Paper.objects.count() == 2


# PRISMA


def test_the_prisma_flow_counts_import_duplicates_and_merges(world, client):
    cache.clear()  # the dashboard's counts of an earlier test's review with the same ids
    dashboard = reverse("reviews:dashboard", args=[world.review.slug])
    logged_in(client, world.alice)
    # Two papers, the Scopus import's one duplicate merged on import: 3 records identified.
    assert (
        "Records identified: 3; duplicate records removed: 1; records screened: 2"
        in client.get(dashboard).content.decode()
    )

    merge_candidate(world.alice_membership, world.pair.pk)
    html = client.get(dashboard).content.decode()
    assert "Records identified: 3; duplicate records removed: 2; records screened: 1" in html


def test_an_import_only_partly_in_the_review_adds_none_of_its_duplicates(world, client):
    cache.clear()
    world.scopus_batch.papers.add(Paper.objects.create(title="A paper no review holds", doi="10.1/elsewhere"))
    html = logged_in(client, world.alice).get(reverse("reviews:dashboard", args=[world.review.slug])).content.decode()
    assert "Records identified: 2; duplicate records removed: 0; records screened: 2" in html
