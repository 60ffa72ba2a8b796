"""The priority order in the app: what each scope learns from, when it retrains, how it falls back, and how the
list and screening mode use it (reviews/priority.py)."""

import pytest
from django.urls import reverse

from reviews import annotating, priority
from reviews.models import (
    ConflictRule,
    Membership,
    PriorityRanking,
    PriorityScore,
    Resolution,
    Role,
    ScreeningDecision,
)
from tests.factories import logged_in, make_paper, make_review, make_user

pytestmark = pytest.mark.django_db

TOPIC_A = [
    "Graph neural networks predict molecular properties of protein ligands",
    "Message passing on molecular graphs for protein binding affinity",
    "Equivariant graph networks for molecule and protein structure",
    "Protein ligand docking scored by graph neural networks",
    "Molecular graph representation learning for drug discovery",
    "Graph attention over protein residues predicts binding sites",
    "Self-supervised pretraining of molecular graph encoders",
    "Protein structure graphs and ligand affinity with neural message passing",
]
TOPIC_B = [
    "Reinforcement learning for robot arm control in simulation",
    "Policy gradients teach legged robots to walk over rough terrain",
    "Sim-to-real transfer of robot grasping policies with reinforcement learning",
    "Model-based reinforcement learning for quadruped locomotion control",
    "Reward shaping for robotic manipulation with deep reinforcement learning",
    "Offline reinforcement learning of robot navigation policies",
    "Curriculum learning for dexterous robot hand control",
    "Safe exploration in reinforcement learning for mobile robots",
]


def topic_papers():
    a = [make_paper(title=title, abstract=f"{title}. We study graphs, molecules and proteins.") for title in TOPIC_A]
    b = [make_paper(title=title, abstract=f"{title}. We study robots, policies and rewards.") for title in TOPIC_B]
    return a, b


@pytest.fixture
def topics(db):
    class Topics:
        alice, bob, dave = make_user("alice"), make_user("bob"), make_user("dave")
        a, b = topic_papers()
        review = make_review(
            papers=[*a, *b],
            members={alice: Role.OWNER, bob: Role.REVIEWER, dave: Role.REVIEWER},
            blind=True,
            required_screeners=2,
        )

        @classmethod
        def member(cls, user):
            return Membership.objects.select_related("review", "user").get(review=cls.review, user=user)

    return Topics


def decide(topics, user, paper, decision):
    annotating.decide(topics.member(user), paper.pk, decision)


def positions(ranking) -> dict[int, int]:
    """paper id → position in the ranking's current generation."""
    ranking.refresh_from_db()
    rows = PriorityScore.objects.filter(ranking=ranking, generation=ranking.generation)
    return dict(rows.values_list("review_paper__paper_id", "position"))


def order_of(membership) -> priority.PriorityOrder:
    membership.refresh_from_db()
    return priority.order_for(membership)


# What each scope learns from


def test_the_team_learns_finals_first_then_any_include_then_unanimous_excludes(topics):
    a, b = topics.a, topics.b
    topics.review.required_screeners = 1
    topics.review.save()
    decide(topics, topics.bob, a[0], "include")
    decide(topics, topics.bob, a[1], "include")
    decide(topics, topics.dave, a[1], "exclude")  # split: someone included it
    decide(topics, topics.bob, b[0], "exclude")
    decide(topics, topics.dave, b[0], "exclude")  # everyone excluded it
    decide(topics, topics.bob, b[1], "maybe")  # maybes only: teaches nothing
    decide(topics, topics.bob, b[2], "exclude")
    decide(topics, topics.dave, b[2], "maybe")  # exclude and maybe, no final: teaches nothing

    labels = priority.team_labels(topics.review)

    assert labels == {a[0].pk: 1, a[1].pk: 1, b[0].pk: 0}


def test_a_resolution_decides_the_team_label(topics):
    a = topics.a
    decide(topics, topics.bob, a[2], "include")
    decide(topics, topics.dave, a[2], "exclude")
    annotating.resolve(topics.member(topics.alice), a[2].pk, "exclude")

    assert priority.team_labels(topics.review)[a[2].pk] == 0


def test_a_blinded_reviewer_learns_only_their_own_decisions_and_standing_resolutions(topics):
    a, b = topics.a, topics.b
    decide(topics, topics.bob, a[0], "include")
    decide(topics, topics.bob, b[0], "exclude")
    decide(topics, topics.bob, b[1], "maybe")
    # dave's votes: never bob's to learn from, decided or not by bob.
    for paper in [*a[3:], *b[3:]]:
        decide(topics, topics.dave, paper, "include")
    decide(topics, topics.dave, b[0], "include")
    # A resolved conflict is a final decision anyone may learn from, and overrides bob's own vote.
    decide(topics, topics.dave, a[0], "exclude")
    annotating.resolve(topics.member(topics.alice), a[0].pk, "exclude")
    # A reopened resolution no longer stands.
    decide(topics, topics.bob, a[1], "include")
    decide(topics, topics.dave, a[1], "exclude")
    annotating.resolve(topics.member(topics.alice), a[1].pk, "exclude")
    decide(topics, topics.dave, a[1], "include")
    assert Resolution.objects.get(paper=a[1]).reopened_at is not None

    labels = priority.member_labels(topics.review, topics.bob.pk)

    assert labels == {a[0].pk: 0, a[1].pk: 1, b[0].pk: 0}


def test_members_get_the_scope_blind_mode_allows(topics):
    assert priority.scope_of(topics.member(topics.alice)) is None  # owners see every vote
    assert priority.scope_of(topics.member(topics.bob)) == topics.bob.pk
    topics.review.blind = False
    topics.review.save()
    assert priority.scope_of(topics.member(topics.bob)) is None


def test_another_reviewers_decisions_never_move_a_blinded_reviewers_order(topics):
    a, b = topics.a, topics.b
    decide(topics, topics.bob, a[0], "include")
    decide(topics, topics.bob, b[0], "exclude")
    bob = topics.member(topics.bob)
    before = positions(order_of(bob).ranking)
    assert before

    for paper in [*b[1:6], a[5]]:
        decide(topics, topics.dave, paper, "include")
    for paper in a[1:5]:
        decide(topics, topics.dave, paper, "exclude")
    ranking = PriorityRanking.objects.get(review=topics.review, user=topics.bob)
    priority.retrain(ranking.pk)

    assert positions(ranking) == before
    # The team's order (the owner's) learns from dave's votes, and moves.
    team_before = dict(before)
    team = positions(order_of(topics.member(topics.alice)).ranking)
    assert team != team_before


# Ranking


def test_the_order_puts_the_included_topic_ahead_of_chance(topics):
    a, b = topics.a, topics.b
    topics.review.blind = False
    topics.review.save()
    decide(topics, topics.bob, a[0], "include")
    decide(topics, topics.bob, a[1], "include")
    for paper in b[:3]:
        decide(topics, topics.bob, paper, "exclude")

    place = positions(order_of(topics.member(topics.bob)).ranking)

    unscreened_a = [place[paper.pk] for paper in a[2:]]
    unscreened_b = [place[paper.pk] for paper in b[3:]]
    # Every undecided topic-A paper outranks every undecided topic-B paper (chance would interleave them).
    assert max(unscreened_a) < min(unscreened_b)
    assert sorted(place.values()) == list(range(1, len(a) + len(b) + 1))


def test_retraining_from_the_same_decisions_gives_the_same_order(topics):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking
    first = positions(ranking)
    scores = dict(PriorityScore.objects.filter(ranking=ranking).values_list("review_paper_id", "score"))

    priority.retrain(ranking.pk)

    assert positions(ranking) == first
    rescored = dict(PriorityScore.objects.filter(ranking=ranking).values_list("review_paper_id", "score"))
    assert rescored == scores
    # The current generation and the one before it (for a list that read the ranking just before the switch).
    priority.retrain(ranking.pk)
    ranking.refresh_from_db()
    kept = set(PriorityScore.objects.filter(ranking=ranking).values_list("generation", flat=True))
    assert kept == {ranking.generation - 1, ranking.generation}


# Falling back


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        (
            [],
            "needs at least 1 include and 1 exclude among your decisions and the resolvers' final decisions; "
            "there are 0",
        ),
        ([("a", "include"), ("a", "include")], "there are 2 includes and 0 excludes so far"),
        ([("b", "exclude")], "there are 0 includes and 1 exclude so far"),
        ([("a", "maybe"), ("b", "maybe")], "there are 0 includes and 0 excludes so far"),
    ],
)
def test_too_few_decisions_fall_back_and_say_why(topics, decisions, expected):
    for index, (topic, decision) in enumerate(decisions):
        decide(topics, topics.bob, getattr(topics, topic)[index], decision)

    order = order_of(topics.member(topics.bob))

    assert not order.ready
    assert expected in order.message
    assert "Papers are in the default order (newest first) until then." in order.message
    assert not PriorityScore.objects.exists()


def test_an_empty_review_falls_back(db):
    owner = make_user("owner")
    review = make_review("empty", members={owner: Role.OWNER})

    order = priority.order_for(Membership.objects.get(review=review, user=owner))

    assert not order.ready
    assert order.message.startswith("This review has no papers yet.")


def test_the_minimums_are_the_reviews_setting(topics):
    topics.review.priority_min_includes = 2
    topics.review.save()
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    order = order_of(topics.member(topics.bob))
    assert "needs at least 2 includes and 1 exclude" in order.message

    decide(topics, topics.bob, topics.a[1], "include")
    priority.retrain(order.ranking.pk)

    assert order_of(topics.member(topics.bob)).ready


def test_undoing_below_the_minimum_falls_back_again(topics):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking
    assert ranking.ready

    decide(topics, topics.bob, topics.a[0], "")
    priority.retrain(ranking.pk)

    order = order_of(topics.member(topics.bob))
    assert not order.ready and "0 includes and 1 exclude" in order.message
    assert not PriorityScore.objects.filter(ranking=ranking, generation=order.ranking.generation).exists()


# Retraining off the request path


class FakeTask:
    """Stands for the task: its ``enqueue`` only calls ``on_enqueue`` (the real task is a frozen dataclass)."""

    def __init__(self, on_enqueue):
        self.enqueue = on_enqueue


def test_a_decision_queues_its_rankings_once_it_commits(topics, django_capture_on_commit_callbacks):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    bob_ranking = order_of(topics.member(topics.bob)).ranking
    team_ranking = order_of(topics.member(topics.alice)).ranking
    dave_ranking = PriorityRanking.objects.create(review=topics.review, user=topics.dave)
    generations = {r.pk: r.generation for r in (bob_ranking, team_ranking, dave_ranking)}

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(topics, topics.bob, topics.a[1], "include")

    assert callbacks
    for ranking in (bob_ranking, team_ranking, dave_ranking):
        ranking.refresh_from_db()
    # bob's and the team's rankings learned it (the immediate backend ran the task); dave's did not retrain.
    assert bob_ranking.generation == generations[bob_ranking.pk] + 1 and bob_ranking.includes == 2
    assert team_ranking.generation == generations[team_ranking.pk] + 1
    assert dave_ranking.generation == generations[dave_ranking.pk]
    assert bob_ranking.queued_at is None


def test_a_resolution_queues_every_ranking_of_the_review(topics, django_capture_on_commit_callbacks):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.dave, topics.a[0], "exclude")
    dave_ranking = PriorityRanking.objects.create(review=topics.review, user=topics.dave)

    with django_capture_on_commit_callbacks(execute=True):
        annotating.resolve(topics.member(topics.alice), topics.a[0].pk, "include")

    dave_ranking.refresh_from_db()
    assert dave_ranking.generation == 1
    assert "1 include and 0 excludes" in dave_ranking.reason


def test_decisions_while_a_retraining_waits_queue_no_second_one(topics, monkeypatch):
    queued = []
    monkeypatch.setattr("reviews.tasks.retrain_priority", FakeTask(queued.append))
    ranking = PriorityRanking.objects.create(review=topics.review, user=topics.bob)

    priority.queue_retraining([ranking.pk])
    priority.queue_retraining([ranking.pk])
    priority.queue_retraining([ranking.pk])

    assert queued == [ranking.pk]
    # The task clears the mark as it starts: a decision during training queues one more run.
    priority.retrain(ranking.pk)
    priority.queue_retraining([ranking.pk])
    assert queued == [ranking.pk, ranking.pk]


def test_a_queue_that_cannot_be_reached_leaves_the_decision_and_no_mark(topics, monkeypatch):
    def refuse(ranking_id):
        raise ConnectionError("queue down")

    monkeypatch.setattr("reviews.tasks.retrain_priority", FakeTask(refuse))
    ranking = PriorityRanking.objects.create(review=topics.review, user=topics.bob)

    priority.queue_retraining([ranking.pk])

    ranking.refresh_from_db()
    assert ranking.queued_at is None


def test_a_failed_retraining_keeps_the_last_order_and_says_so(topics, monkeypatch):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking
    before = positions(ranking)

    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr("reviews.ranking.fit", broken)
    from reviews.tasks import retrain_priority

    retrain_priority.call(ranking.pk)

    order = order_of(topics.member(topics.bob))
    assert order.ready and positions(order.ranking) == before
    assert "The last retraining failed (MemoryError: out of memory)" in order.message


def test_a_run_that_started_earlier_never_replaces_a_later_ones_order(topics):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking
    current = ranking.generation

    priority._switch(ranking, current - 1 if current > 1 else 0, started=0.0, reason="stale run")

    ranking.refresh_from_db()
    assert ranking.generation == current and ranking.reason == ""
    assert PriorityScore.objects.filter(ranking=ranking, generation=current).exists()


def test_the_retraining_of_a_deleted_review_does_nothing(topics):
    ranking = PriorityRanking.objects.create(review=topics.review, user=None)
    topics.review.delete()

    assert priority.retrain(ranking.pk) is None


@pytest.fixture
def vectorised(monkeypatch) -> list[int]:
    """How many texts each computing of the features vectorised, in order."""
    from reviews import priority_features
    from reviews.ranking import features

    calls = []
    real = features.vectorise
    monkeypatch.setattr(priority_features, "vectorise", lambda texts: calls.append(len(texts)) or real(texts))
    return calls


def test_the_features_are_computed_once_and_again_after_an_import(topics, vectorised):
    from reviews import priority_features

    calls = vectorised
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking
    priority.retrain(ranking.pk)
    priority_features._in_memory.clear()
    priority.retrain(ranking.pk)  # from the disk cache
    assert calls == [16]

    topics.review.add_papers([make_paper(title="A new graph paper").pk])
    priority.retrain(ranking.pk)

    assert calls == [16, 17]
    assert len(positions(ranking)) == 17


def test_a_damaged_features_file_is_computed_again_and_replaced(topics, vectorised, settings):
    from reviews import priority_features

    calls = vectorised
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking
    priority.retrain(ranking.pk)
    [kept] = list(settings.PRIORITY_CACHE_DIR.glob("review-*.npz"))
    kept.write_bytes(b"PK\x03\x04 cut short by a full disk")  # a zip's signature, then nothing a zip holds
    priority_features._in_memory.clear()

    priority.retrain(ranking.pk)

    assert calls == [16, 16]
    assert len(positions(ranking)) == 16
    assert priority_features.sparse.load_npz(kept).shape[0] == 16


def test_features_that_cannot_be_written_leave_no_partial_file(topics, monkeypatch, settings):
    from reviews import priority_features

    def disk_full(handle, matrix, compressed):
        handle.write(b"half a matrix")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(priority_features.sparse, "save_npz", disk_full)
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking

    priority.retrain(ranking.pk)

    assert len(positions(ranking)) == 16
    assert list(settings.PRIORITY_CACHE_DIR.iterdir()) == []


# The list and screening mode


def list_ids(response) -> list[int]:
    return [review_paper.paper_id for review_paper in response.context["page"].object_list]


def test_the_list_sorted_by_priority_follows_the_members_order(client, topics):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    url = reverse("reviews:paper_list", args=[topics.review.slug])

    response = logged_in(client, topics.bob).get(url, {"sort": "priority"})

    assert response.status_code == 200
    place = positions(PriorityRanking.objects.get(user=topics.bob))
    ids = list_ids(response)
    assert ids == sorted(place, key=place.get)
    assert "Most likely relevant first" in response.text
    assert "Priority #1 · score" in response.text


def test_papers_added_since_the_ranking_come_after_the_ranked_ones(client, topics, django_capture_on_commit_callbacks):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    ranking = order_of(topics.member(topics.bob)).ranking
    new = make_paper(title="Graph networks for proteins, freshly imported")
    topics.review.add_papers([new.pk])  # outside on-commit capture: no retraining yet

    response = logged_in(client, topics.bob).get(
        reverse("reviews:paper_list", args=[topics.review.slug]), {"sort": "priority"}
    )

    assert list_ids(response)[-1] == new.pk
    assert len(positions(ranking)) == 16


def test_the_list_falls_back_with_the_reason(client, topics):
    response = logged_in(client, topics.bob).get(
        reverse("reviews:paper_list", args=[topics.review.slug]), {"sort": "priority"}
    )

    assert response.status_code == 200
    assert "The priority order needs at least 1 include and 1 exclude" in response.text
    assert "Priority #" not in response.text


def test_screening_mode_serves_the_top_ranked_paper_that_needs_me(client, topics):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    place = positions(order_of(topics.member(topics.bob)).ranking)
    decided = set(ScreeningDecision.objects.filter(user=topics.bob).values_list("paper_id", flat=True))
    top = min((paper_id for paper_id in place if paper_id not in decided), key=place.get)

    response = logged_in(client, topics.bob).get(reverse("reviews:screen", args=[topics.review.slug]))

    assert response.context["paper"].pk == top
    assert top in {paper.pk for paper in topics.a}
    assert f"Priority #{place[top]} · score" in response.text


def test_screening_mode_keeps_the_newest_first_when_the_review_says_so(client, topics):
    topics.review.screen_by_priority = False
    topics.review.save()
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")

    response = logged_in(client, topics.bob).get(reverse("reviews:screen", args=[topics.review.slug]))

    newest = max((paper for paper in [*topics.a[1:], *topics.b[1:]]), key=lambda paper: paper.arxiv_id)
    assert response.context["paper"].pk == newest.pk
    assert "Priority #" not in response.text


def test_a_papers_page_shows_its_place_in_my_order_and_nobody_elses(client, topics):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    place = positions(order_of(topics.member(topics.bob)).ranking)
    paper = topics.a[3]
    url = reverse("reviews:paper", args=[topics.review.slug, paper.key])

    mine = logged_in(client, topics.bob).get(url)
    dave_without_an_order = logged_in(client, topics.dave).get(url)

    assert f"Priority #{place[paper.pk]} · score" in mine.text
    # Blind: Dave's order would learn from his decisions alone, and he has none; Bob's is not his to see.
    assert dave_without_an_order.status_code == 200
    assert "Priority #" not in dave_without_an_order.text
    assert not PriorityRanking.objects.filter(user=topics.dave).exists()  # a page view never asks for a training


# Settings


def test_an_owner_sets_the_minimums_and_the_orders_retrain(client, topics, django_capture_on_commit_callbacks):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")
    assert order_of(topics.member(topics.bob)).ready
    url = reverse("reviews:settings_priority", args=[topics.review.slug])

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(client, topics.alice).post(
            url, {"screen_by_priority": "on", "priority_min_includes": "3", "priority_min_excludes": "1"}
        )

    assert response.status_code == 302
    topics.review.refresh_from_db()
    assert topics.review.priority_min_includes == 3
    order = order_of(topics.member(topics.bob))
    assert not order.ready and "at least 3 includes" in order.message


@pytest.mark.parametrize("bad", ["0", "1001", "three", "", "1e3", "-1", "\x00"])
def test_bad_minimums_are_refused_and_nothing_changes(client, topics, bad):
    url = reverse("reviews:settings_priority", args=[topics.review.slug])

    response = logged_in(client, topics.alice).post(url, {"priority_min_includes": bad, "priority_min_excludes": "1"})

    assert response.status_code in (400, 422)
    topics.review.refresh_from_db()
    assert topics.review.priority_min_includes == 1


def test_only_owners_change_the_priority_settings(client, topics):
    url = reverse("reviews:settings_priority", args=[topics.review.slug])

    response = logged_in(client, topics.bob).post(url, {"priority_min_includes": "5", "priority_min_excludes": "5"})

    assert response.status_code in (403, 404)
    topics.review.refresh_from_db()
    assert topics.review.priority_min_includes == 1


def test_the_conflict_rule_changes_what_the_team_learns(topics, django_capture_on_commit_callbacks):
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.dave, topics.a[0], "maybe")
    decide(topics, topics.bob, topics.b[0], "exclude")
    decide(topics, topics.dave, topics.b[0], "exclude")
    team = order_of(topics.member(topics.alice)).ranking
    generation = team.generation

    from reviews import configuring

    with django_capture_on_commit_callbacks(execute=True):
        configuring.change_settings(topics.member(topics.alice), {"conflict_rule": ConflictRule.MAYBE_INCLUDES})

    team.refresh_from_db()
    assert team.generation == generation + 1


def test_a_members_own_order_goes_when_their_role_blind_mode_or_membership_changes(topics):
    from reviews import configuring

    owner = topics.member(topics.alice)
    for user in (topics.bob, topics.dave):
        PriorityRanking.objects.create(review=topics.review, user=user)
    team = PriorityRanking.objects.create(review=topics.review, user=None)

    configuring.change_role(owner, topics.member(topics.bob).pk, Role.RESOLVER)
    assert set(PriorityRanking.objects.values_list("user", flat=True)) == {None, topics.dave.pk}

    PriorityRanking.objects.create(review=topics.review, user=topics.bob)
    configuring.remove_member(owner, topics.member(topics.bob).pk)
    assert set(PriorityRanking.objects.values_list("user", flat=True)) == {None, topics.dave.pk}

    configuring.change_settings(owner, {"blind": False})
    assert list(PriorityRanking.objects.values_list("pk", flat=True)) == [team.pk]


def test_an_observer_is_told_their_order_learns_from_the_final_decisions(topics):
    olivia = make_user("olivia")
    Membership.objects.create(review=topics.review, user=olivia, role=Role.OBSERVER)

    order = order_of(topics.member(olivia))

    assert "among the resolvers' final decisions; there are 0 includes" in order.message


def test_a_first_look_with_too_few_decisions_says_why_at_once_and_queues_nothing(topics, monkeypatch):
    queued = []
    monkeypatch.setattr("reviews.tasks.retrain_priority", FakeTask(queued.append))
    decide(topics, topics.bob, topics.a[0], "include")

    order = order_of(topics.member(topics.bob))

    assert queued == []
    assert order.message.startswith("The priority order needs at least 1 include and 1 exclude")
    assert "being computed" not in order.message


def test_a_first_look_that_can_rank_queues_a_training_and_says_so(topics, monkeypatch):
    queued = []
    monkeypatch.setattr("reviews.tasks.retrain_priority", FakeTask(queued.append))
    decide(topics, topics.bob, topics.a[0], "include")
    decide(topics, topics.bob, topics.b[0], "exclude")

    order = order_of(topics.member(topics.bob))

    assert queued == [order.ranking.pk]
    assert order.message.startswith("The priority order is being computed.")


def test_a_fallback_waiting_for_new_decisions_says_they_are_being_taken_in(topics, monkeypatch):
    order = order_of(topics.member(topics.bob))
    assert "0 includes and 0 excludes" in order.message
    monkeypatch.setattr("reviews.tasks.retrain_priority", FakeTask(lambda ranking_id: None))
    priority.queue_retraining([order.ranking.pk])

    assert order_of(topics.member(topics.bob)).message.endswith("The latest decisions are being taken in.")
