"""The one way to merge two papers of the corpus that are one paper, and to say that two are not.

Merging keeps the *survivor* and folds the other paper into it: the survivor's record is enriched by the other's
(papers/importers/merge.py: ids and metadata fill blanks or update, nothing is blanked); every import batch
link, review membership, decision, score, tag, comment (with its thread), final decision, assignment and
history entry moves to the survivor; the merged paper's URL key becomes an alias of the survivor (PaperAlias),
so its old addresses redirect; and the papers' ReviewPaper summaries are recounted. Where the same reviewer
decided or scored both papers in one review, or both had a final decision, the newer stands and the replaced
one is written to the review's history. It all happens in one transaction, or not at all.

Who may merge: curators in the admin (``merge_papers``), and a review's owners and resolvers from its
*Possible duplicates* page (``merge_candidate``), for a listed pair only, under the scope rule of ``_check_scope``.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from papers.importers.merge import merge_record
from papers.models import DuplicateCandidate, DuplicateStatus, Paper, PaperAlias
from papers.similarity import forget_merged

from .annotating import decision_state, lock_papers, recount, resolution_state
from .history import record_many
from .models import (
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
from .priority import retrain_soon

# Relations to Paper that merge_papers moves itself; any other (a model added later) is moved by a plain UPDATE.
HANDLED = {
    (ReviewPaper, "paper"),
    (ScreeningDecision, "paper"),
    (Score, "paper"),
    (PaperTag, "paper"),
    (Comment, "paper"),
    (Resolution, "paper"),
    (Assignment, "paper"),
    (Change, "paper"),
    (DuplicateCandidate, "paper_a"),
    (DuplicateCandidate, "paper_b"),
    (PaperAlias, "paper"),
}


class MergeRefused(Exception):
    """A merge (or rejection) that may not happen; ``message`` says why, ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 422):
        self.message, self.status = message, status
        super().__init__(message)


@dataclass
class MergeResult:
    survivor: Paper
    merged_key: str
    merged_display_id: str
    reviews: list[int] = field(default_factory=list)
    replaced: int = 0


def merge_papers(survivor_id: int, merged_id: int, *, user=None) -> MergeResult:
    """Fold the paper ``merged_id`` into ``survivor_id`` (see the module); the admin's and the commands' path.

    Refuses a paper into itself and a paper that no longer exists, writing nothing.
    """
    if survivor_id == merged_id:
        raise MergeRefused("A paper cannot be merged into itself.")
    with transaction.atomic():
        return _merge(survivor_id, merged_id, user)


def merge_candidate(membership: Membership, candidate_id: int) -> MergeResult:
    """A review owner's or resolver's merge of a listed pair (from the *Possible duplicates* page): the paper
    with the lower id survives. Refused, with nothing written, unless the pair is an open candidate with a paper
    in the member's review and within their scope (``_check_scope``)."""
    with transaction.atomic():
        candidate = _open_candidate(membership, candidate_id)
        _check_scope(membership, candidate)
        return _merge(candidate.paper_a_id, candidate.paper_b_id, membership.user)


def reject_candidate(membership: Membership, candidate_id: int) -> DuplicateCandidate:
    """The member says the pair are different papers: it is marked rejected and never proposed again."""
    with transaction.atomic():
        candidate = _open_candidate(membership, candidate_id)
        _check_scope(membership, candidate)
        return decide_not_duplicates(candidate, membership.user)


def decide_not_duplicates(candidate: DuplicateCandidate, user) -> DuplicateCandidate:
    """Mark the pair rejected (a curator's action in the admin, or ``reject_candidate``)."""
    candidate.status, candidate.decided_by, candidate.decided_at = DuplicateStatus.REJECTED, user, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate


def _open_candidate(membership: Membership, candidate_id) -> DuplicateCandidate:
    if not membership.can_resolve:
        raise MergeRefused("Only the review's owners and resolvers decide on possible duplicates.", status=403)
    candidate = (
        DuplicateCandidate.objects.select_for_update()
        .filter(pk=candidate_id if str(candidate_id).isdigit() else None, status=DuplicateStatus.OPEN)
        .first()
    )
    in_review = candidate and ReviewPaper.objects.filter(
        review_id=membership.review_id, paper_id__in=[candidate.paper_a_id, candidate.paper_b_id]
    )
    if candidate is None or not in_review.exists():
        raise MergeRefused(
            "That pair is not among this review's possible duplicates (it was merged, rejected or never listed).",
            status=404,
        )
    return candidate


def _check_scope(membership: Membership, candidate: DuplicateCandidate) -> None:
    """The scope rule: a member may decide on a pair only if every review holding either paper is one they own
    or resolve. Merging moves that review's annotations, and a rejection hides the pair from it, so a pair that
    is also in someone else's review is for its owners too, or for a curator in the admin."""
    papers = [candidate.paper_a_id, candidate.paper_b_id]
    holding = set(ReviewPaper.objects.filter(paper_id__in=papers).values_list("review_id", flat=True))
    mine = set(
        Membership.objects.filter(
            user_id=membership.user_id, review_id__in=holding, role__in=[Role.OWNER, Role.RESOLVER]
        ).values_list("review_id", flat=True)
    )
    if holding - mine:
        raise MergeRefused(
            "One of these papers is also in a review you do not own or resolve, so this is for a curator "
            "(Django admin → Possible duplicates) or for that review's owners.",
            status=403,
        )


def _merge(survivor_id: int, merged_id: int, user) -> MergeResult:
    if survivor_id == merged_id:
        raise MergeRefused("A paper cannot be merged into itself.")
    papers = {paper.pk: paper for paper in Paper.objects.select_for_update().filter(pk__in=[survivor_id, merged_id])}
    if survivor_id not in papers or merged_id not in papers:
        raise MergeRefused("One of the two papers no longer exists (merged or deleted meanwhile).", status=404)
    survivor, merged = papers[survivor_id], papers[merged_id]
    result = MergeResult(survivor=survivor, merged_key=merged.key, merged_display_id=merged.display_id)
    touched = set(
        ReviewPaper.objects.filter(paper_id__in=[survivor_id, merged_id]).values_list("review_id", "paper_id")
    )
    lock_papers(touched)
    reviews_of_merged = {review_id for review_id, paper_id in touched if paper_id == merged_id}
    reviews_of_survivor = {review_id for review_id, paper_id in touched if paper_id == survivor_id}
    # Each review holding either paper notes the merge (and so its dashboard counts again: a merge is a duplicate).
    result.reviews = sorted(reviews_of_merged | reviews_of_survivor)
    moving = {"paper_id": merged_id}
    to_survivor = {"paper_id": survivor_id}

    # A review holding both keeps the survivor's row; one holding only the merged paper now holds the survivor.
    ReviewPaper.objects.filter(**moving, review_id__in=reviews_of_survivor).delete()
    ReviewPaper.objects.filter(**moving).update(**to_survivor)

    replaced = []  # (review_id, kind, before, after) for the history
    replaced += _newest_wins(ScreeningDecision, merged_id, survivor_id, ("review_id", "user_id"), "updated_at")
    replaced += _newest_wins(Score, merged_id, survivor_id, ("review_id", "user_id"), "updated_at")
    replaced += _newest_wins(Resolution, merged_id, survivor_id, ("review_id",), "resolved_at")
    _drop_repeats(PaperTag, merged_id, survivor_id, ("review_id", "tag_id", "applied_by_id"))
    _drop_repeats(Assignment, merged_id, survivor_id, ("review_id", "user_id"))
    for model in (ScreeningDecision, Score, Resolution, PaperTag, Assignment, Comment, Change):
        model.objects.filter(**moving).update(**to_survivor)
    forget_merged(merged_id, survivor_id)
    _move_other_relations(merged, survivor)
    _move_candidates(merged_id, survivor_id)
    survivor.import_batches.add(*merged.import_batches.all())
    PaperAlias.objects.filter(paper_id=merged_id).update(paper_id=survivor_id)

    merge_record(survivor, merged)
    merged.delete()
    # After the delete, so an arXiv id the survivor takes from the merged paper is free.
    survivor.save()
    PaperAlias.objects.create(
        key=result.merged_key,
        paper=survivor,
        merged_by=user if getattr(user, "is_authenticated", False) else None,
        merged_display_id=result.merged_display_id[:300],
        merged_title=merged.title,
    )

    _record_history(result, merged, replaced, user)
    survivor_rows = ReviewPaper.objects.filter(paper_id=survivor_id, review_id__in=reviews_of_merged)
    recount(list(survivor_rows.values_list("pk", flat=True)))
    for review_id in result.reviews:
        retrain_soon(review_id, everyone=True)
    result.replaced = len(replaced)
    return result


def _newest_wins(model, merged_id: int, survivor_id: int, keys: tuple[str, ...], time_field: str) -> list[tuple]:
    """Where both papers have a row of ``model`` with the same ``keys`` (one reviewer's decision in one review),
    delete the older one, so the newer moves or stays; (review_id, what, before, after) of each replaced row,
    the states naming whose they were."""
    related = {ScreeningDecision: ["reason", "user"], Score: ["user"], Resolution: ["reason", "resolved_by"]}[model]
    rows = list(model.objects.filter(paper_id__in=[merged_id, survivor_id]).select_related(*related))
    by_key: dict[tuple, list] = {}
    for row in rows:
        by_key.setdefault(tuple(getattr(row, key) for key in keys), []).append(row)
    replaced = []
    for pair in by_key.values():
        if len(pair) < 2:
            continue
        # Newest wins; on a tie the survivor's row stays.
        pair.sort(key=lambda row: (getattr(row, time_field), row.paper_id == survivor_id))
        older, newer = pair
        what = {ScreeningDecision: "decision", Score: "score"}.get(model, "resolution")
        replaced.append((older.review_id, what, _state(older), _state(newer)))
        older.delete()
    return replaced


def _state(row) -> dict:
    if isinstance(row, ScreeningDecision):
        return {**decision_state(row.decision, row.reason), "by": str(row.user)}
    if isinstance(row, Score):
        return {"score": row.value, "by": str(row.user)}
    return {**resolution_state(row), "by": str(row.resolved_by or "")}


def _drop_repeats(model, merged_id: int, survivor_id: int, keys: tuple[str, ...]) -> None:
    """Delete the merged paper's rows of ``model`` that the survivor already has (the same tag by the same
    person, the same assignment): they say nothing more, and the survivor's cannot be there twice."""
    kept = set(model.objects.filter(paper_id=survivor_id).values_list(*keys))
    rows = model.objects.filter(paper_id=merged_id).values_list("pk", *keys)
    repeats = [pk for pk, *key in rows if tuple(key) in kept]
    model.objects.filter(pk__in=repeats).delete()


def _move_other_relations(merged: Paper, survivor: Paper) -> None:
    """Foreign keys to Paper that this module does not know (a later feature's) follow the survivor too."""
    for relation in Paper._meta.related_objects:
        if relation.many_to_many or relation.one_to_one:
            continue
        model, name = relation.related_model, relation.field.name
        if (model, name) in HANDLED or model._meta.app_label not in ("papers", "reviews"):
            continue
        model._base_manager.filter(**{name: merged}).update(**{name: survivor})


def _move_candidates(merged_id: int, survivor_id: int) -> None:
    """The merged paper's other pairs become the survivor's (a rejected one stays rejected); the merged pair
    itself, and pairs the survivor already has, go."""
    pairs = DuplicateCandidate.objects.filter(Q(paper_a_id=merged_id) | Q(paper_b_id=merged_id))
    kept = set(
        DuplicateCandidate.objects.filter(Q(paper_a_id=survivor_id) | Q(paper_b_id=survivor_id)).values_list(
            "paper_a_id", "paper_b_id"
        )
    )
    partners_of_survivor = {a if b == survivor_id else b for a, b in kept}
    moved = []
    for pair in pairs:
        partner = pair.paper_b_id if pair.paper_a_id == merged_id else pair.paper_a_id
        if partner == survivor_id or partner in partners_of_survivor:
            continue
        low, high = sorted((partner, survivor_id))
        moved.append(
            DuplicateCandidate(
                paper_a_id=low, paper_b_id=high, score=pair.score, found_by=pair.found_by, status=pair.status,
                decided_by_id=pair.decided_by_id, decided_at=pair.decided_at,
            )
        )  # fmt: skip
        partners_of_survivor.add(partner)
    pairs.delete()
    DuplicateCandidate.objects.bulk_create(moved)


def _record_history(result: MergeResult, merged: Paper, replaced: list[tuple], user) -> None:
    """In each review that held either paper: the merge itself (subject "paper"), and every decision, score or
    final decision it replaced (subject "decision", "score", "resolution"). They are Changes of their own kind, not
    decisions, so no one's undo takes a merge back as if it were their vote."""
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    survivor = result.survivor
    merge_state = {"merged": result.merged_display_id, "title": merged.title[:300]}
    for review_id in result.reviews:
        changes = [(survivor.pk, merge_state, {"into": survivor.display_id})]
        record_many(review_id, user_id, ChangeKind.MERGE, changes, subject="paper")
    for review_id, what, before, after in replaced:
        record_many(review_id, user_id, ChangeKind.MERGE, [(survivor.pk, before, after)], subject=what)
