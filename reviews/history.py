"""Writing the review's history: one Change row for each change the write path makes, in its transaction."""

from django.utils import timezone

from .models import Change, Membership


def record(membership: Membership, paper_id: int | None, kind: str, before, after, *, subject="") -> Change:
    """Note that the member changed ``kind`` (of ``subject``, e.g. a comment's id) on the paper from ``before``
    to ``after`` (JSON-ready states; None for "none")."""
    return Change.objects.create(
        review_id=membership.review_id,
        paper_id=paper_id,
        user_id=membership.user_id,
        kind=kind,
        subject=str(subject),
        before=before,
        after=after,
        at=timezone.now(),
    )


def record_many(review_id: int, user, kind: str, changes, *, subject="") -> None:
    """Note many changes of one kind by ``user`` (None for a curator or the system) at once: ``changes`` holds
    (paper_id, before, after), or (paper_id, before, after, subject) where each has its own subject."""
    at = timezone.now()
    user_id = getattr(user, "pk", user)
    rows = []
    for change in changes:
        paper_id, before, after, *own_subject = change
        rows.append(
            Change(
                review_id=review_id,
                paper_id=paper_id,
                user_id=user_id,
                kind=kind,
                subject=str(own_subject[0] if own_subject else subject),
                before=before,
                after=after,
                at=at,
            )
        )
    Change.objects.bulk_create(rows, batch_size=500)
