"""The priority order: a review's papers ranked by how likely the team is to include them, learned from its
decisions (reviews/ranking/ holds the model; this module holds the rules of what it learns from and when).

What a ranking learns from, by scope (reviews/models/priority.py):

- the team's (members who see every vote): each paper's final decision where it has one; else a paper is an
  include if anyone included it and an exclude if everyone who decided excluded it. A paper with maybes only
  teaches nothing.
- a blinded member's own: their own includes and excludes, and the standing resolutions (final decisions a
  resolver made). Nothing else: no one else's vote reaches the order a blinded member screens in.

Every paper of the review is ranked, decided or not, so one order serves the list, its filters and screening
mode. Retraining runs in the task worker (``retrain_priority``); a decision only marks its rankings for
retraining, after its transaction commits, and pages read the last order written.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, FilteredRelation, Max, OuterRef, Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import (
    DecisionChoice,
    Membership,
    PriorityRanking,
    PriorityScore,
    Resolution,
    Review,
    ReviewPaper,
    Role,
    ScreeningDecision,
)
from .screening import ORDER as NEWEST_FIRST
from .wording import counted

logger = logging.getLogger(__name__)

CLASSIFIER = "svm"
# Retraining from the same decisions gives the same order: the seed is fixed, not drawn.
SEED = 0
WRITE_BATCH = 5_000
DEFAULT_ORDER_NAME = "newest first"
# reviews.tasks.retrain_priority's path in the task queue (reviews.tasks imports this module, not the reverse).
RETRAIN_TASK_PATH = "reviews.tasks.retrain_priority"
SCREENING_ROLES = (Role.OWNER, Role.REVIEWER)
# What a blinded member's order learns from besides their own votes: conflicts settled by a resolver, not papers the
# screeners agreed on (whose votes a blinded member may not see).
RESOLVED = "the resolvers' final decisions"


def scope_of(membership: Membership) -> int | None:
    """Whose decisions the member's order may learn from: None for the whole team's, else the member's user id."""
    return None if membership.sees_everything else membership.user_id


# What a ranking learns from


def team_labels(review: Review) -> dict[int, int]:
    """paper id → 1 (include) or 0 (exclude), from every vote and final decision of the review."""
    decided = Q(include_count__gt=0) | Q(exclude_count__gt=0) | ~Q(final_decision="")
    rows = ReviewPaper.objects.filter(review=review).filter(decided).order_by()
    labels = {}
    for paper_id, final, includes, maybes, excludes in rows.values_list(
        "paper_id", "final_decision", "include_count", "maybe_count", "exclude_count"
    ):
        if final:
            labels[paper_id] = int(final == DecisionChoice.INCLUDE)
        elif includes:
            labels[paper_id] = 1
        elif excludes and not maybes:
            labels[paper_id] = 0
    return labels


def member_labels(review: Review, user_id: int) -> dict[int, int]:
    """paper id → 1 or 0 from the member's own includes and excludes, and the standing resolutions (which win)."""
    own = ScreeningDecision.objects.filter(
        review=review, user_id=user_id, decision__in=[DecisionChoice.INCLUDE, DecisionChoice.EXCLUDE]
    )
    labels = {paper_id: int(decision == DecisionChoice.INCLUDE) for paper_id, decision in own.values_list(
        "paper_id", "decision"
    )}  # fmt: skip
    resolved = Resolution.objects.standing().filter(review=review).values_list("paper_id", "decision")
    labels.update((paper_id, int(decision == DecisionChoice.INCLUDE)) for paper_id, decision in resolved)
    return labels


def training_labels(review: Review, user_id: int | None) -> dict[int, int]:
    return team_labels(review) if user_id is None else member_labels(review, user_id)


# Asking for an order


@dataclass(frozen=True)
class PriorityOrder:
    """A member's priority order as a page shows it: the ranking to sort by (when ready) and what to say."""

    ranking: PriorityRanking | None
    message: str

    @property
    def ready(self) -> bool:
        return self.ranking is not None and self.ranking.ready

    def sort(self, queryset):
        """``queryset`` (ReviewPaper rows) most likely include first, each with ``priority_position`` and
        ``priority_score``; papers added since the ranking come after the ranked ones, newest first."""
        ranking = self.ranking
        ranked = FilteredRelation(
            "priorities", condition=Q(priorities__ranking=ranking, priorities__generation=ranking.generation)
        )
        return queryset.annotate(
            priority=ranked, priority_position=F("priority__position"), priority_score=F("priority__score")
        ).order_by(F("priority__position").asc(nulls_last=True), *NEWEST_FIRST)

    def ranked_first(self, sorted_queryset):
        """The ranked papers of ``sorted_queryset`` (as ``sort`` leaves it), in their order: a prefix of it, since
        the papers added since the ranking come after them. A list reads its page here first (ListPaginator's
        shortlist) and from the whole order only when the page reaches past the ranked papers.

        The whole order joins every paper of the review to its place and sorts them all (the outer join keeps the
        papers added since), 200 ms and more at 100,000 papers; a filter on the position makes the join an inner
        one ordered by the position alone, which PostgreSQL reads by walking the (ranking, generation, position)
        index and stops after the page (under 1 ms for page 1; the README). The list's count stays on the whole
        order, where PostgreSQL leaves the outer join out."""
        return sorted_queryset.filter(priority_position__isnull=False).order_by(F("priority__position").asc())

    def first_of(self, queryset) -> int | None:
        """The paper id ``sort(queryset)`` puts first, without sorting (see ``ranked_first``): the first ranked paper
        that passes the filters, found by walking the positions' index until one does; only when no ranked paper
        is left, the newest of those added since the ranking."""
        ranking = self.ranking
        scores = PriorityScore.objects.filter(ranking=ranking, generation=ranking.generation)
        ranked = queryset.filter(priorities__ranking=ranking, priorities__generation=ranking.generation)
        ranked = ranked.order_by("priorities__position")
        if (found := ranked.values_list("paper_id", flat=True).first()) is not None:
            return found
        unranked = queryset.exclude(Exists(scores.filter(review_paper=OuterRef("pk")))).order_by(*NEWEST_FIRST)
        return unranked.values_list("paper_id", flat=True).first()

    def place_of(self, review_paper: ReviewPaper) -> PriorityScore | None:
        """The paper's position and score in this order; None for a paper added since it was ranked."""
        ranking = self.ranking
        return PriorityScore.objects.filter(
            ranking=ranking, generation=ranking.generation, review_paper_id=review_paper.pk
        ).first()


def place_for(membership: Membership, review_paper: ReviewPaper) -> PriorityScore | None:
    """The paper's place in the member's order when one has been computed (None otherwise); unlike
    ``order_for`` it never asks for a training, so a paper's page costs nothing to a review that does not rank."""
    if not membership.can_screen:
        return None
    ranking = PriorityRanking.objects.filter(review=membership.review, user_id=scope_of(membership)).first()
    return PriorityOrder(ranking, "").place_of(review_paper) if ranking is not None and ranking.ready else None


def order_for(membership: Membership) -> PriorityOrder:
    """The member's priority order, asking for its first training if nobody has asked before."""
    review = membership.review
    user_id = scope_of(membership)
    ranking = PriorityRanking.objects.filter(review=review, user_id=user_id).first()
    if ranking is None:
        ranking, created = PriorityRanking.objects.get_or_create(review=review, user_id=user_id)
        if created and (reason := reason_now(ranking)):
            # Too few decisions to train on: say so at once rather than "being computed" until the worker runs.
            _switch(ranking, 1, started=time.perf_counter(), reason=reason)
        else:
            queue_retraining([ranking.pk])
        ranking.refresh_from_db()
    return PriorityOrder(ranking, describe(ranking, membership))


def reason_now(ranking: PriorityRanking) -> str:
    """Why the ranking cannot be trained on its scope's decisions as they stand ("" if it can)."""
    return too_few_reason(ranking, *training_set(ranking))


def training_set(ranking: PriorityRanking) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """The review's papers as (review paper id, paper id) by paper id, and what the ranking learns from: the
    index of each labelled paper among them → 1 (include) or 0 (exclude)."""
    review_papers = list(
        ReviewPaper.objects.filter(review=ranking.review).order_by("paper_id").values_list("pk", "paper_id")
    )
    index_of = {paper_id: index for index, (_, paper_id) in enumerate(review_papers)}
    labels = training_labels(ranking.review, ranking.user_id)
    return review_papers, {index_of[paper_id]: label for paper_id, label in labels.items() if paper_id in index_of}


def describe(ranking: PriorityRanking, membership: Membership) -> str:
    """What the member is told about their order: how it was learned and how fresh it is, or why there is none."""
    fallback = f"Papers are in the default order ({DEFAULT_ORDER_NAME}) until then."
    if ranking.queued_at is not None:
        fallback += " The latest decisions are being taken in."
    if ranking.reason:
        return f"{ranking.reason} {fallback}"
    if not ranking.ready:
        if ranking.error:
            return f"The priority order could not be computed ({ranking.error}). {fallback}"
        return f"The priority order is being computed. {fallback}"
    source = learned_from(ranking, screens=membership.can_screen)
    text = (
        f"Most likely relevant first, as ranked by a linear SVM over the titles' and abstracts' words (ASReview's "
        f"default model) trained on {counted(ranking.includes, 'include', grouped=True)} and "
        f"{counted(ranking.excludes, 'exclude', grouped=True)} from {source}"
    )
    if ranking.queued_at is not None:
        text += "; it is being retrained with the latest decisions."
    else:
        text += "."
    if ranking.error:
        text += f" The last retraining failed ({ranking.error}); this is the order before it."
    return text


# Retraining


def retrain_soon(review_id: int, user_id: int | None = None, *, everyone: bool = False) -> None:
    """Decisions of ``user_id`` (or, ``everyone``, the review's papers or final decisions) changed: queue the
    rankings they feed for retraining once the transaction commits. Only rankings someone has asked for exist."""
    rankings = PriorityRanking.objects.filter(review_id=review_id)
    if not everyone:
        rankings = rankings.filter(Q(user=None) | Q(user_id=user_id))
    transaction.on_commit(lambda: queue_retraining(list(rankings.values_list("pk", flat=True))))


def drop_member_orders(review_id: int, user_id: int | None = None) -> None:
    """Delete the own orders of the member ``user_id`` (of every member when None): their role or the review's
    blind mode changed, or they left, so the order is no longer theirs to screen in (a new one is trained when they
    next ask for it)."""
    orders = PriorityRanking.objects.filter(review_id=review_id).exclude(user=None)
    if user_id is not None:
        orders = orders.filter(user_id=user_id)
    orders.delete()


def queue_retraining(ranking_ids: list[int]) -> None:
    """Queue a retraining of each ranking not already waiting for one (one waiting run absorbs any number of
    decisions; one may also be running)."""
    from .tasks import retrain_priority

    for ranking_id in ranking_ids:
        claimed = PriorityRanking.objects.filter(pk=ranking_id, queued_at=None).update(queued_at=timezone.now())
        if not claimed:
            cutoff = timezone.now() - settings.WORKER_TIMEOUT
            stale = PriorityRanking.objects.filter(pk=ranking_id, queued_at__lt=cutoff)
            if stale.exists() and not _retraining_alive(ranking_id):
                claimed = stale.update(queued_at=timezone.now())
        if not claimed:
            continue
        try:
            retrain_priority.enqueue(ranking_id)
        except Exception:
            # The queue is unreachable: the decision stands; the next one queues the retraining again.
            logger.exception("Could not queue the retraining of priority ranking %s", ranking_id)
            PriorityRanking.objects.filter(pk=ranking_id).update(queued_at=None)


def _retraining_alive(ranking_id: int) -> bool:
    """Whether a retraining of the ranking waits in the database backend's queue or runs on a live worker (one
    started less than WORKER_TIMEOUT ago). Otherwise a ``queued_at`` older than that was left by a worker killed
    between taking the task and claiming the ranking, and must not block retraining for ever."""
    alive = Q(status=TaskResultStatus.READY) | Q(
        status=TaskResultStatus.RUNNING, started_at__gte=timezone.now() - settings.WORKER_TIMEOUT
    )
    return (
        DBTaskResult.objects.filter(task_path=RETRAIN_TASK_PATH, args_kwargs__args__0=ranking_id).filter(alive).exists()
    )


def retrain(ranking_id: int, *, lap: Callable[[str], None] | None = None) -> PriorityRanking | None:
    """Train the ranking's model on its scope's decisions and write a new generation of positions (the task's
    work). None if the ranking is gone (its review or member deleted meanwhile). ``lap(step)`` is told as each
    step ends (claim, labels, features, fit, rank, write, switch): the benchmark times them."""
    from .priority_features import review_features
    from .ranking import fit, rank

    lap = lap or (lambda step: None)
    started = time.perf_counter()
    with transaction.atomic():
        ranking = PriorityRanking.objects.select_for_update().select_related("review").filter(pk=ranking_id).first()
        if ranking is None:
            return None
        # Decisions from now on queue another run; this one claims the next generation number.
        generation = max(ranking.generation, _highest_generation(ranking)) + 1
        ranking.queued_at = None
        ranking.save(update_fields=["queued_at"])
    lap("claim")
    review_papers, labelled = training_set(ranking)
    includes = sum(labelled.values())
    excludes = len(labelled) - includes
    reason = too_few_reason(ranking, review_papers, labelled)
    lap("labels")
    if reason:
        return _switch(ranking, generation, reason=reason, includes=includes, excludes=excludes, started=started)
    features = review_features(ranking.review_id, [paper_id for _, paper_id in review_papers])
    lap("features")
    model = fit(features, labelled, seed=SEED, classifier=CLASSIFIER)
    lap("fit")
    ranked = rank(model, range(len(review_papers)))
    lap("rank")
    write_scores(
        ranking.pk,
        generation,
        ((review_papers[index][0], position, score) for position, (index, score) in enumerate(ranked, start=1)),
    )
    lap("write")
    switched = _switch(
        ranking, generation, includes=includes, excludes=excludes, papers=len(review_papers), started=started
    )
    lap("switch")
    return switched


def write_scores(ranking_id: int, generation: int, rows) -> None:
    """Write a generation's ``(review paper id, position, score)`` rows. A generation nobody reads yet needs no
    lock held while it is written, so each statement commits on its own.

    On PostgreSQL the rows stream in by COPY: writing 100,000 of them by INSERTs of a few thousand rows took
    longer than everything else a retraining does (the README's figures); other databases use bulk_create."""
    if connection.vendor == "postgresql":
        table = PriorityScore._meta.db_table
        columns = "ranking_id, generation, review_paper_id, position, score"
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for review_paper_id, position, score in rows:
                copy.write_row((ranking_id, generation, review_paper_id, position, score))
        return
    batch = []
    for review_paper_id, position, score in rows:
        batch.append(
            PriorityScore(
                ranking_id=ranking_id,
                generation=generation,
                review_paper_id=review_paper_id,
                position=position,
                score=score,
            )
        )
        if len(batch) == WRITE_BATCH:
            PriorityScore.objects.bulk_create(batch)
            batch = []
    PriorityScore.objects.bulk_create(batch)


def too_few_reason(ranking: PriorityRanking, review_papers: list, labelled: dict[int, int]) -> str:
    """Why ``training_set(ranking)`` cannot train a model ("" if it can)."""
    if not review_papers:
        return "This review has no papers yet."
    review = ranking.review
    includes = sum(labelled.values())
    excludes = len(labelled) - includes
    need_includes, need_excludes = review.priority_min_includes, review.priority_min_excludes
    if includes >= need_includes and excludes >= need_excludes:
        return ""
    screens = (
        ranking.user_id is not None
        and review.memberships.filter(user_id=ranking.user_id, role__in=SCREENING_ROLES).exists()
    )
    return (
        f"The priority order needs at least {counted(need_includes, 'include', grouped=True)} and "
        f"{counted(need_excludes, 'exclude', grouped=True)} among {learned_from(ranking, screens=screens)}; there "
        f"{'is' if includes == 1 else 'are'} {counted(includes, 'include', grouped=True)} and "
        f"{counted(excludes, 'exclude', grouped=True)} so far."
    )


def learned_from(ranking: PriorityRanking, *, screens: bool) -> str:
    """Whose decisions the ranking learns from, as its member reads it (``screens``: whether they decide papers)."""
    if ranking.user_id is None:
        return "the team's decisions"
    return f"your decisions and {RESOLVED}" if screens else RESOLVED


def _highest_generation(ranking: PriorityRanking) -> int:
    highest = ranking.scores.order_by("-generation").values_list("generation", flat=True).first()
    return highest or 0


def _switch(ranking: PriorityRanking, generation: int, *, started: float, reason: str = "", **figures):
    """Make ``generation`` the one lists read, unless a run that started later has switched already; then drop
    the generations before the one in use but the last (a crashed run's rows included)."""
    fields = {
        "reason": reason,
        "error": "",
        "trained_at": timezone.now(),
        "classifier": "" if reason else CLASSIFIER,
        "seconds": time.perf_counter() - started,
        "papers": 0,
        **figures,
    }
    with transaction.atomic():
        switched = PriorityRanking.objects.filter(pk=ranking.pk, generation__lt=generation).update(
            generation=generation, **fields
        )
    current = PriorityRanking.objects.filter(pk=ranking.pk).values_list("generation", flat=True).first()
    if current is not None:
        # The generation before the current one stays until the next switch: a list that read the ranking just
        # before this one still finds its rows.
        rows = PriorityScore.objects.filter(ranking_id=ranking.pk)
        previous = rows.filter(generation__lt=current).aggregate(previous=Max("generation"))["previous"]
        if previous is not None:
            rows.filter(generation__lt=previous).delete()
    if not switched:
        PriorityScore.objects.filter(ranking_id=ranking.pk, generation=generation).delete()
    return PriorityRanking.objects.filter(pk=ranking.pk).first()


def record_failure(ranking_id: int, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:500]
    PriorityRanking.objects.filter(pk=ranking_id).update(error=message)
