from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from papers.importers import import_files
from papers.models import ImportBatch, Paper
from reviews import annotating, priority
from reviews.models import Comment, ExclusionReason, Membership, PriorityRanking, Review, ReviewPaper, Role, Tag

DEMO_PASSWORD = "marginalia-demo"  # noqa: S105 - printed on purpose; demo accounts exist only with DEBUG on
DEMO_USERS = [
    ("alice", Role.OWNER, "Alice Owner"),
    ("bob", Role.REVIEWER, "Bob Reviewer"),
    ("carol", Role.REVIEWER, "Carol Reviewer"),
    ("rosa", Role.RESOLVER, "Rosa Resolver"),
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
    "inclusion_keywords": "efficien\ninference\nquantiz\ndistill\npruning\ncompute\nmemory",
    "exclusion_keywords": "vision\nimage\nspeech\nposition paper",
}
# A second review, of a real review's search results (SYNERGY's Nelson 2002, CC0) from two databases: records
# without arXiv ids, eight of them in both files (one paper each) and two near-duplicate titles to confirm.
SEARCH_REVIEW = {
    "slug": "hrt-bone-loss",
    "title": "Hormone therapy and bone loss (records from Scopus and Embase)",
    "research_question": "Does hormone replacement therapy prevent bone loss in postmenopausal women?",
    "inclusion_criteria": "Randomised or observational studies of hormone therapy reporting bone density.",
    "exclusion_criteria": "Not hormone therapy.\nNo bone outcome.",
    "blind": False,
    "required_screeners": 1,
}
SEARCH_FILES = ["hrt_bone_loss_scopus.csv", "hrt_bone_loss_embase.ris"]
DEMO_REASONS = ["Off topic", "No cost figures", "Not a language model", "Position paper / no experiments"]
SAMPLE_DECISIONS = ["include", "exclude", "maybe", "exclude"]
# Where bob's vote differs from carol's, by position among the newest papers.
BOB_DISAGREES = {0: "exclude", 5: "include"}
DEMO_TAGS = [
    ("efficiency", "#2ca02c", "Training or inference cost"),
    ("prompting", "#1f77b4", "Prompt design, in-context learning, chain of thought"),
    ("benchmark", "#9467bd", "Introduces or mainly reports a benchmark"),
    ("multimodal", "#e377c2", "Vision-language or other modalities"),
]


class Command(BaseCommand):
    help = "Create the demo review over every paper in the corpus, with demo accounts (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sample-annotations",
            action="store_true",
            help="Also let carol screen the twelve newest papers and bob the eight newest (decisions, scores, tags, a "
            "comment, a resolved conflict), so the team's figures and conflicts show before anyone else starts; for "
            "screenshots and demonstrations.",
        )

    def handle(self, *args, sample_annotations=False, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are never created with DJANGO_DEBUG off.")
        if not Paper.objects.exists():
            raise CommandError("The corpus is empty: run `manage.py import_papers fixtures/000_17fd64235e3a3294.txt`.")
        with transaction.atomic():
            review, _ = Review.objects.get_or_create(slug=DEMO_REVIEW["slug"], defaults=DEMO_REVIEW)
            added = review.add_papers(Paper.objects.exclude(arxiv_id=""))
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
            if sample_annotations:
                self.add_sample_annotations(review)
            searched = self.load_search_review()
        if sample_annotations:
            self.rank_demo_review(review)
        self.stdout.write(
            f"Demo review “{review.title}” holds {review.review_papers.count()} papers ({added} added now)."
        )
        self.stdout.write(
            f"Log in at http://127.0.0.1:8000/accounts/login/ (or wherever you run the server) as any of these "
            f"(password {DEMO_PASSWORD}):"
        )
        for username, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {role.label.lower()}")
        self.stdout.write(
            f"A second review, “{searched.title}”, holds {searched.review_papers.count()} papers from two database "
            "exports (alice owns it, bob screens it): see its Duplicates and Export."
        )

    def rank_demo_review(self, review: Review) -> None:
        """The priority orders of everyone who screens the demo review, ready when they first look (the worker
        retrains them from then on)."""
        members = Membership.objects.filter(review=review).select_related("review")
        for scope in {priority.scope_of(membership) for membership in members}:
            ranking, _ = PriorityRanking.objects.get_or_create(review=review, user_id=scope)
            priority.retrain(ranking.pk)

    def load_search_review(self) -> Review:
        """Import the two database exports (a re-run changes nothing) and make a small open review of them."""
        directory = Path(settings.BASE_DIR) / "fixtures" / "demo"
        report = import_files([(name, directory / name) for name in SEARCH_FILES])
        if not report.ok:
            raise CommandError("\n".join(str(problem) for problem in report.errors))
        review, _ = Review.objects.get_or_create(slug=SEARCH_REVIEW["slug"], defaults=SEARCH_REVIEW)
        batches = ImportBatch.objects.filter(file_name__in=SEARCH_FILES)
        review.add_papers(Paper.objects.filter(import_batches__in=batches).distinct())
        for label in ("Not hormone therapy", "No bone outcome"):
            ExclusionReason.objects.get_or_create(review=review, label=label)
        for username, role in (("alice", Role.OWNER), ("bob", Role.REVIEWER)):
            Membership.objects.get_or_create(
                review=review,
                user__username=username,
                defaults={"role": role, "user": get_user_model().objects.get(username=username)},
            )
        return review

    def add_sample_annotations(self, review: Review) -> None:
        """Carol screens the twelve newest papers and bob the eight newest, blind, through the write path: they
        agree on most, both say maybe on two, and split on two, one of which alice has resolved."""
        carol, bob, alice = (
            Membership.objects.select_related("review", "user").get(review=review, user__username=username)
            for username in ("carol", "bob", "alice")
        )
        reasons = list(review.exclusion_reasons.all())
        newest = ReviewPaper.objects.for_panels(review, carol.user).values_list("paper_id", flat=True)[:12]
        for position, paper_id in enumerate(newest):
            decision = SAMPLE_DECISIONS[position % len(SAMPLE_DECISIONS)]
            reason = reasons[position % len(reasons)].pk if decision == "exclude" and reasons else None
            annotating.decide(carol, paper_id, decision, reason)
            annotating.set_score(carol, paper_id, {"include": 4, "maybe": 3, "exclude": 1}[decision])
            if decision != "exclude":
                annotating.apply_tag(carol, paper_id, DEMO_TAGS[position % len(DEMO_TAGS)][0])
            if position < 8:
                bobs = BOB_DISAGREES.get(position, decision)
                annotating.decide(bob, paper_id, bobs, reasons[0].pk if bobs == "exclude" and reasons else None)
                annotating.set_score(bob, paper_id, {"include": 5, "maybe": 3, "exclude": 2}[bobs])
            status = ReviewPaper.objects.filter(review=review, paper_id=paper_id).values_list("team_status", flat=True)
            if position == 5 and status.get() == "conflict":
                annotating.resolve(
                    alice, paper_id, "exclude", reasons[1].pk if reasons else None, "No cost figures after all."
                )
            commented = Comment.objects.filter(review=review, paper_id=paper_id, author=carol.user).exists()
            if position == 0 and not commented:
                annotating.add_comment(carol, paper_id, "Cost figures are in the appendix, so I **include** it. Bob?")
