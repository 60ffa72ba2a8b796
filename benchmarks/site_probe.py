"""What a team sees while an import runs: the paper list, a search, a review's list and a decision, asked again
and again from a process of its own and timed (``manage.py probe_site``; ``benchmark_import --probe`` runs it
beside the import it measures). An import must never make any of them wait more than two seconds.
"""

import json
import statistics
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from papers.models import Paper
from reviews.models import Membership, Review, Role

from .reporting import load_average, p95

PROBE_USER = "marginalia-probe"
PROBE_REVIEW = "bench-probe"
TARGET_MS = 2_000


def prepare() -> tuple[Client, dict[str, tuple[str, str, dict]]]:
    """A signed-in client and the requests to repeat: (method, url, data) by kind. The probe's review holds
    one paper of its own, made before the import so that a decision has something to land on."""
    user, _ = get_user_model().objects.get_or_create(username=PROBE_USER)
    review, _ = Review.objects.get_or_create(slug=PROBE_REVIEW, defaults={"title": "Probe: the site during an import"})
    Membership.objects.get_or_create(review=review, user=user, defaults={"role": Role.OWNER})
    paper, _ = Paper.objects.get_or_create(
        arxiv_id="0704.0001", defaults={"title": "A paper screened while an import runs", "abstract": "Probe."}
    )
    review.add_papers([paper.pk])
    client = Client()
    client.force_login(user)
    requests = {
        "paper list": ("get", reverse("papers:list"), {}),
        "search": ("get", reverse("papers:list"), {"q": "language models"}),
        "review list": ("get", reverse("reviews:paper_list", args=[PROBE_REVIEW]), {}),
        "decision POST": ("post", reverse("reviews:decide", args=[PROBE_REVIEW, paper.pk]), {}),
    }
    return client, requests


def probe(until: Path, interval: float = 0.25) -> dict:
    """Ask each kind in turn until the file ``until`` exists; the timings (ms) and answers by kind."""
    client, requests = prepare()
    timings = {kind: [] for kind in requests}
    statuses = {kind: {} for kind in requests}
    turn = 0
    while not until.exists():
        for kind, (method, url, data) in requests.items():
            if method == "post":
                data = {"decision": "include" if turn % 2 else "exclude"}
            started = time.perf_counter()
            response = getattr(client, method)(url, data)
            timings[kind].append((time.perf_counter() - started) * 1000)
            code = str(response.status_code)
            statuses[kind][code] = statuses[kind].get(code, 0) + 1
        turn += 1
        time.sleep(interval)
    return {"timings": timings, "statuses": statuses, "load": load_average()}


def summary_lines(result: dict) -> list[str]:
    """A line a kind: requests, answers, median, p95 and worst, against the two-second target (and no errors)."""
    lines = [f"  {'while importing':<16} {'requests':>8} {'median':>9} {'p95':>9} {'worst':>9}  answers"]
    for kind, values in result["timings"].items():
        if not values:
            lines.append(f"  {kind:<16} {0:>8}")
            continue
        worst = max(values)
        refused = any(int(code) >= 400 for code in result["statuses"][kind])
        verdict = "PASS" if worst < TARGET_MS and not refused else "FAIL"
        answers = ", ".join(f"{count}× {code}" for code, count in sorted(result["statuses"][kind].items()))
        lines.append(
            f"  {kind:<16} {len(values):>8} {statistics.median(values):>6.0f} ms {p95(values):>6.0f} ms "
            f"{worst:>6.0f} ms  {answers}  (worst < {TARGET_MS} ms: {verdict})"
        )
    lines.append(f"  load average at the end: {result['load']}")
    return lines


def write_result(result: dict, path: Path) -> None:
    path.write_text(json.dumps(result))
