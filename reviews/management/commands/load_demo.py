from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from papers.models import Paper
from reviews.models import ExclusionReason, Membership, Review, Role, Tag

DEMO_PASSWORD = "marginalia-demo"  # noqa: S105 - printed on purpose; demo accounts exist only with DEBUG on
DEMO_USERS = [
    ("alice", Role.OWNER, "Alice Owner"),
    ("bob", Role.REVIEWER, "Bob Reviewer"),
    ("carol", Role.REVIEWER, "Carol Reviewer"),
    ("olivia", Role.OBSERVER, "Olivia Observer"),
]
DEMO_REVIEW = {
    "slug": "llm-efficiency",
    "title": "Making large language models cheaper to train and run",
    "research_question": (
        "Which methods reduce the compute, memory or money that large language models need for training "
        "or inference, and at what cost in quality?"
    ),
    "inclusion_criteria": (
        "Proposes or evaluates a method that lowers training or inference cost of a language model.\n"
        "Reports cost and quality figures."
    ),
    "exclusion_criteria": "Vision-only or speech-only models.\nPosition papers without experiments.",
}
DEMO_REASONS = ["Off topic", "No cost figures", "Not a language model", "Position paper / no experiments"]
DEMO_TAGS = [
    ("efficiency", "#2ca02c", "Training or inference cost"),
    ("prompting", "#1f77b4", "Prompt design, in-context learning, chain of thought"),
    ("benchmark", "#9467bd", "Introduces or mainly reports a benchmark"),
    ("multimodal", "#e377c2", "Vision-language or other modalities"),
]


class Command(BaseCommand):
    help = "Create the demo review over every paper in the corpus, with demo accounts (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are never created with DJANGO_DEBUG off.")
        if not Paper.objects.exists():
            raise CommandError("The corpus is empty: run `manage.py import_papers fixtures/000_17fd64235e3a3294.txt`.")
        with transaction.atomic():
            review, _ = Review.objects.get_or_create(slug=DEMO_REVIEW["slug"], defaults=DEMO_REVIEW)
            added = review.add_papers(Paper.objects.all())
            for position, label in enumerate(DEMO_REASONS):
                ExclusionReason.objects.get_or_create(review=review, label=label, defaults={"position": position})
            for name, colour, description in DEMO_TAGS:
                Tag.objects.get_or_create_named(review, name, colour=colour, description=description)
            User = get_user_model()
            for username, role, full_name in DEMO_USERS:
                first, last = full_name.split()
                user, created = User.objects.get_or_create(
                    username=username, defaults={"first_name": first, "last_name": last}
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save()
                Membership.objects.get_or_create(review=review, user=user, defaults={"role": role})
        self.stdout.write(
            f"Demo review “{review.title}” holds {review.review_papers.count()} papers ({added} added now)."
        )
        self.stdout.write(
            f"Log in at http://127.0.0.1:8000/accounts/login/ as any of these (password {DEMO_PASSWORD}):"
        )
        for username, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {role.label.lower()}")
