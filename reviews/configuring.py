"""The one way to change a review's settings and its team: details, screening rules, members and their roles.

Each function locks the review's row (so two owners saving at once queue up), applies the rules, writes, and
records one history row (``ChangeKind.SETTING``) per thing changed, all in one transaction. A change of the
screening rules (required screeners, conflict rule) recounts every paper's team status in the same transaction,
so no list ever shows statuses by the old rules. Refusals raise annotating.Refused (nothing is written then).
"""

from django.db import IntegrityError, transaction
from django.db.models import F

from .annotating import NotAllowed, Refused
from .history import record
from .models import LAST_OWNER_MESSAGE, ChangeKind, Membership, Review, ReviewPaper, Role
from .priority import drop_member_orders, retrain_soon

# Changing one of these changes which papers count as agreed, so every paper's status is recounted.
RECOUNTED_BY = frozenset({"required_screeners", "conflict_rule"})
# Settings that change what the priority orders learn from (final decisions) or whether they may rank.
RETRAINED_BY = RECOUNTED_BY | {"priority_min_includes", "priority_min_excludes"}


def _locked_review(membership: Membership) -> Review:
    if not membership.is_owner:
        raise NotAllowed("Only the review's owners can change its settings.")
    return Review.objects.select_for_update().get(pk=membership.review_id)


def _fewest_screeners_allowed(review: Review, required: int) -> None:
    """Refuse ``required`` screeners when papers already hold more decisions than that (their statuses would
    count votes the review no longer asks for)."""
    from django.db.models import Count  # noqa: PLC0415 - kept inside: another branch edits this module's imports

    decisions = F("include_count") + F("maybe_count") + F("exclude_count")
    over = ReviewPaper.objects.filter(review=review).annotate(decisions=decisions).filter(decisions__gt=required)
    groups = dict(over.order_by("decisions").values_list("decisions").annotate(papers=Count("pk")))
    if not groups:
        return
    count, counts = sum(groups.values()), [str(n) for n in sorted(groups)]
    papers = "1 paper already has" if count == 1 else f"{count} papers already have"
    held = counts[0] if len(counts) == 1 else f"{', '.join(counts[:-1])} or {counts[-1]}"
    # A review may already hold papers with more decisions than it asks for (extra screeners): its own number
    # stays allowed, so the lowest allowed is the smaller of the two.
    lowest = min(int(counts[-1]), review.required_screeners)
    raise Refused(f"{papers} {held} decisions, so required screeners cannot go below {lowest}. Nothing was changed.")


def change_settings(membership: Membership, changes: dict) -> list[str]:
    """Set the review's fields named in ``changes`` (cleaned by a settings form); the names of those that changed.

    Each changed field gets a history row (subject: the field's name). Changing the screening rules recounts
    every paper of the review; lowering the required screeners below what papers already hold is refused.
    """
    with transaction.atomic():
        review = _locked_review(membership)
        changed = {name: value for name, value in changes.items() if getattr(review, name) != value}
        if not changed:
            return []
        if "required_screeners" in changed and changed["required_screeners"] < review.required_screeners:
            _fewest_screeners_allowed(review, changed["required_screeners"])
        before = {name: getattr(review, name) for name in changed}
        for name, value in changed.items():
            setattr(review, name, value)
        review.save(update_fields=list(changed))
        for name, value in changed.items():
            record(membership, None, ChangeKind.SETTING, {"value": before[name]}, {"value": value}, subject=name)
        if RECOUNTED_BY & changed.keys():
            _restatus(review)
        if "blind" in changed:
            drop_member_orders(review.pk)
        if RETRAINED_BY & changed.keys():
            retrain_soon(review.pk, everyone=True)
    membership.review = review
    return list(changed)


def _restatus(review: Review) -> None:
    """Every paper's team status and final decision under the review's new rules.

    The rules change no vote, so the decision counts stand and only the two derived steps of
    ``recount([DECISIONS])`` run, over the papers with a vote (one without stays undecided): a full recount took
    a minute on 100,000 papers, holding every row's lock meanwhile.
    """
    ReviewPaper.objects.filter(review=review).exclude(include_count=0, maybe_count=0, exclude_count=0).restatus()


def _member_subject(user) -> str:
    return f"member:{user.get_username()}"


def add_member(membership: Membership, user, role: str) -> Membership:
    """Make ``user`` a member with ``role``; Refused if they already are one."""
    with transaction.atomic():
        review = _locked_review(membership)
        try:
            with transaction.atomic():
                added = Membership.objects.create(review=review, user=user, role=role)
        except IntegrityError:
            raise Refused(f"{user} is already a member; change their role in the list below.") from None
        record(membership, None, ChangeKind.SETTING, None, {"role": role}, subject=_member_subject(user))
    return added


def change_role(membership: Membership, target_id: int, role: str) -> Membership | None:
    """Give the member ``target_id`` of the review a new role; None if there is no such member (any more)."""
    with transaction.atomic():
        _locked_review(membership)
        target = Membership.objects.select_related("user").filter(pk=target_id, review_id=membership.review_id).first()
        if target is None:
            return None
        if role != Role.OWNER and Membership.objects.would_leave_no_owner([target]):
            raise Refused(LAST_OWNER_MESSAGE)
        if target.role != role:
            before = target.role
            target.role = role
            target.save(update_fields=["role"])
            drop_member_orders(membership.review_id, target.user_id)
            record(
                membership,
                None,
                ChangeKind.SETTING,
                {"role": before},
                {"role": role},
                subject=_member_subject(target.user),
            )
    return target


def remove_member(membership: Membership, target_id: int) -> Membership | None:
    """Take the member ``target_id`` out of the review (their annotations stay); the removed membership, or None
    if there is no such member (any more)."""
    with transaction.atomic():
        _locked_review(membership)
        target = Membership.objects.select_related("user").filter(pk=target_id, review_id=membership.review_id).first()
        if target is None:
            return None
        if Membership.objects.would_leave_no_owner([target]):
            raise Refused(LAST_OWNER_MESSAGE)
        record(membership, None, ChangeKind.SETTING, {"role": target.role}, None, subject=_member_subject(target.user))
        target.delete()
        drop_member_orders(membership.review_id, target.user_id)
    return target
