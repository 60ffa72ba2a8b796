"""An owner's invitation to join a review, for someone who may not have an account yet.

The link carries a random token (256 bits) that is looked up, not decoded: an owner can list, copy and revoke
pending invitations, and a link stops working once it is used, revoked or past its expiry.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from .history import Change, ChangeKind
from .review import Membership, Review, Role

INVITATION_LIFETIME = timedelta(days=14)
MAX_PENDING_INVITATIONS = 100


class InvitationRefused(Exception):
    """An invitation that cannot be made or used; ``message`` says why, for the person who tried."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Invitations that can still be accepted: not used, not revoked, not expired."""
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())

    def invite(self, review, email: str, role: str, invited_by) -> "Invitation":
        """Invite ``email`` into ``review`` with ``role``; refuses a member's address, a second pending
        invitation for the same address and more than MAX_PENDING_INVITATIONS pending ones."""
        email = email.strip()
        with transaction.atomic():
            # Locking the review makes the cap hold when two owners invite at once.
            Review.objects.select_for_update().filter(pk=review.pk).first()
            member = Membership.objects.filter(review=review, user__email__iexact=email).select_related("user").first()
            if member is not None:
                raise InvitationRefused(
                    f"{email} belongs to {member.user.get_username()}, who is already a member "
                    f"({member.get_role_display().lower()})."
                )
            pending = self.filter(review=review).pending()
            if pending.filter(email__iexact=email).exists():
                raise InvitationRefused(
                    f"{email} already has a pending invitation: copy its link below, or revoke it first."
                )
            if pending.count() >= MAX_PENDING_INVITATIONS:
                raise InvitationRefused(
                    f"This review already has {MAX_PENDING_INVITATIONS} pending invitations, the most it can hold: "
                    "revoke some first."
                )
            return self.create(
                review=review,
                email=email,
                role=role,
                invited_by=invited_by,
                token=new_token(),
                expires_at=timezone.now() + INVITATION_LIFETIME,
            )


class Invitation(models.Model):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REVIEWER)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Invitation of {self.email} to {self.review}"

    def get_absolute_url(self):
        return reverse("reviews:invitation", args=[self.token])

    @property
    def problem(self) -> str:
        """Why the link no longer works, or "" while it does."""
        if self.revoked_at is not None:
            return "This invitation was revoked by the review's owner. Ask them for a new one."
        if self.accepted_at is not None:
            return "This invitation has already been used. Ask the review's owner for a new one if you need it."
        if self.expires_at <= timezone.now():
            return "This invitation has expired. Ask the review's owner for a new one."
        return ""

    def revoke(self) -> None:
        """Stop the link working; a used invitation stays in the record as it was."""
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=self.pk)
            if invitation.accepted_at is None and invitation.revoked_at is None:
                invitation.revoked_at = timezone.now()
                invitation.save(update_fields=["revoked_at"])
            self.revoked_at = invitation.revoked_at

    def accept(self, user):
        """Make ``user`` a member with the invitation's role and use the invitation up; returns
        (membership, joined). Someone already a member keeps their role and leaves the invitation pending
        (``joined`` is False): an owner trying the link they are about to send must not use it up.

        Raises InvitationRefused for a revoked, used or expired invitation. Call it inside a transaction
        together with whatever made ``user`` (a new account), so a refusal undoes that too.
        """
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=self.pk)
            if problem := invitation.problem:
                raise InvitationRefused(problem)
            if membership := Membership.objects.filter(review_id=invitation.review_id, user=user).first():
                return membership, False
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(
                        review_id=invitation.review_id, user=user, role=invitation.role
                    )
            except IntegrityError:
                # An owner added them a moment ago.
                return Membership.objects.get(review_id=invitation.review_id, user=user), False
            invitation.accepted_at = timezone.now()
            invitation.accepted_by = user
            invitation.save(update_fields=["accepted_at", "accepted_by"])
            # On the review's record like a member an owner adds (reviews/configuring.py), by the one who joined.
            Change.objects.create(
                review_id=invitation.review_id,
                user=user,
                kind=ChangeKind.SETTING,
                subject=f"member:{user.get_username()}",
                before=None,
                after={"role": invitation.role, "invitation": True},
                at=invitation.accepted_at,
            )
            self.accepted_at, self.accepted_by = invitation.accepted_at, user
            return membership, True
