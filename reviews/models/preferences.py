"""How a person likes to screen: kept per user, across all their reviews."""

from django.conf import settings
from django.db import models


class ScreeningPreferences(models.Model):
    """A user's screening settings. A user without a row has the defaults (see ``for_user``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="screening_preferences"
    )
    auto_advance = models.BooleanField(
        default=True, help_text="After a decision, the next paper becomes the current one."
    )
    single_key_shortcuts = models.BooleanField(
        default=True,
        help_text="Single-letter keys (j, k, i, m, e, 1–5 …) act on the paper. Turn off if they get in the way "
        "of speech input or other assistive software.",
    )

    class Meta:
        verbose_name_plural = "screening preferences"

    def __str__(self):
        return f"Screening preferences of {self.user}"

    @classmethod
    def for_user(cls, user) -> "ScreeningPreferences":
        """The user's preferences, or unsaved defaults. Free if ``user`` was loaded with
        ``select_related("screening_preferences")`` (get_membership does)."""
        try:
            return user.screening_preferences
        except cls.DoesNotExist:
            return cls(user=user)
