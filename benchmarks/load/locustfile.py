"""Fifty reviewers screening one review at once, for Locust: ``manage.py load_test`` runs it (and explains it).

Each simulated user is one reviewer of the plan (benchmarks/load/plan.py) with their own account. They log in
through the login form, then screen and browse with think times between actions, in these proportions:

    screening mode (decide the paper shown, sometimes score it first) 36%   paper's page                   10%
    review list (filters, paging)                                     18%   tag a paper                     6%
    search the review                                                 10%   comment on a paper              3%
    decide or score on a paper's page (plain POST, redirect)           8%   dashboard, home                 9%

Every request goes to one of the plan's app servers, picked at random, as a load balancer would: a user's session
cookie and CSRF token, issued by one, must be good on the others. Requests carry the public host name and
``X-Forwarded-Proto: https`` as nginx would send them (deploy/nginx.conf); the cookie jar sends the Secure cookies
over the plain HTTP hop, as the proxy does.

What the server said was saved goes into a ledger (benchmarks/load/ledger.py), written when the test stops, for
the runner to look for in the database. A 503 "temporarily unavailable" answer (the database away) is counted as
the failure ``OUTAGE``, apart from real errors.
"""

import itertools
import json
import os
import random
import re
import uuid

from locust import HttpUser, between, events, task

from benchmarks.load.ledger import COMMENT, DECISION, SCORE, TAG, Ledger

OUTAGE = "503 temporarily unavailable"
LOGGED_OUT = "sent to the login page"

PLAN = json.loads(open(os.environ["MARGINALIA_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
LEDGER = Ledger()
_accounts = itertools.cycle(PLAN["reviewers"])

DECISION_FORM = re.compile(r'action="/reviews/[^/"]+/annotate/(\d+)/decision/"')
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
CSRF_IN_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.quitting.add_listener
def save_ledger(environment, **kwargs):
    LEDGER.save(PLAN["ledger"])


class Reviewer(HttpUser):
    wait_time = between(PLAN.get("think_min", 2), PLAN.get("think_max", 8))
    # Absolute URLs pick the server; this only satisfies Locust.
    host = PLAN["instances"][0]

    def on_start(self):
        self._status = None
        self.username = next(_accounts)
        self.review_url = f"/reviews/{PLAN['review']}/"
        self.screen_url = f"{self.review_url}screen/"
        self.current = None  # the paper screening mode shows
        self.token = None
        self.client.headers.update(
            {"Host": PLAN["host"], "X-Forwarded-Proto": "https", "Origin": f"https://{PLAN['host']}"}
        )
        self.logged_in = False
        self.log_in()

    # --- Requests ---

    def send(self, method: str, path: str, kind: str, *, htmx: bool = False, data=None):
        """One request to a server picked at random; the response, or None when it was not a success."""
        url = random.choice(PLAN["instances"]) + path
        headers = {"Referer": f"https://{PLAN['host']}{path}"}
        if htmx:
            headers["HX-Request"] = "true"
        if method == "POST":
            headers["X-CSRFToken"] = self.token or ""
        with self.client.request(
            method, url, name=kind, data=data, headers=headers, allow_redirects=False, timeout=60, catch_response=True
        ) as response:
            self._behind_the_proxy()
            status = response.status_code
            self._status = status or None  # 0: no answer at all
            location = response.headers.get("Location", "")
            if status == 503 and "temporarily unavailable" in response.text:
                response.failure(OUTAGE)
                return None
            if 300 <= status < 400 and location.startswith("/accounts/login/"):
                response.failure(LOGGED_OUT)
                self.logged_in = False
                return None
            if 200 <= status < 400:
                response.success()
                if found := CSRF_IN_PAGE.search(response.text):
                    self.token = found.group(1)
                return response
            response.failure(f"HTTP {status}" if status else f"no answer: {type(response.error).__name__}")
            return None

    def post(self, path: str, kind: str, data: dict, *, htmx: bool, saves: tuple):
        """A write: what it ``saves`` ((kind, paper id, value)) goes in the ledger if the server accepted it,
        as uncertain if the answer does not say (a 5xx or no answer)."""
        response = self.send("POST", path, kind, htmx=htmx, data=data)
        if response is not None:
            for what in saves:
                LEDGER.accepted(what[0], self.username, what[1], what[2])
        elif self._last_status_unknown():
            for what in saves:
                LEDGER.uncertain(what[0], self.username, what[1], what[2])
        return response

    def _last_status_unknown(self) -> bool:
        # Locust keeps no handle on the last response after catch_response; a 4xx is a refusal, anything else
        # (5xx, connection error) may have been applied.
        return self._status is None or self._status >= 500

    def log_in(self):
        page = self.send("GET", "/accounts/login/", "login page")
        if page is None:
            return
        found = CSRF_IN_FORM.search(page.text)
        data = {
            "username": self.username,
            "password": PLAN["password"],
            "csrfmiddlewaretoken": found.group(1) if found else "",
            "next": self.review_url,
        }
        with self.client.request(
            "POST",
            random.choice(PLAN["instances"]) + "/accounts/login/",
            name="login",
            data=data,
            headers={"Referer": f"https://{PLAN['host']}/accounts/login/"},
            allow_redirects=False,
            timeout=60,
            catch_response=True,
        ) as response:
            self._behind_the_proxy()
            if response.status_code == 302 and response.headers.get("Location") == self.review_url:
                response.success()
                self.logged_in = True
            elif response.status_code == 503:
                response.failure(OUTAGE)
            else:
                response.failure(f"login refused: HTTP {response.status_code}")
        # Django rotates the CSRF token at login: take the new one from the next page.
        self.token = None
        self.send("GET", self.review_url, "list")

    def _behind_the_proxy(self):
        """The TLS hop is the proxy's: the Secure cookies it would pass on must travel over the plain HTTP hop
        behind it, which requests' cookie jar (copied afresh for every request) refuses to do."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def paper(self) -> dict:
        return random.choice(PLAN["papers"])

    # --- What a reviewer does ---

    @task(36)
    def screen(self):
        if not self.logged_in:
            return self.log_in()
        if self.current is None:
            page = self.send("GET", self.screen_url, "screen")
            self.current = self._shown(page)
            return None
        paper_id = self.current
        if random.random() < 0.3:
            value = random.randint(1, 5)
            data = {"value": value, "next": self.screen_url}
            self.post(
                f"{self.review_url}annotate/{paper_id}/score/",
                "score",
                data,
                htmx=True,
                saves=[(SCORE, paper_id, value)],
            )
        decision, reason = self._decision()
        data = {"decision": decision, "reason": reason or "", "next": self.screen_url}
        response = self.post(
            f"{self.review_url}annotate/{paper_id}/decision/",
            "decide (screening)",
            data,
            htmx=True,
            saves=[(DECISION, paper_id, [decision, reason])],
        )
        self.current = self._shown(response) if response is not None else None
        return None

    @task(18)
    def review_list(self):
        params = random.choice(
            [
                {},
                {"unscreened": "on"},
                {"my_decision": random.choice(["include", "exclude", "maybe"])},
                {"tags": random.choice(PLAN["tags"])["id"]},
                {"sort": "oldest"},
                {"has_comments": "true"},
                {"my_score_min": "4"},
            ]
        )
        if random.random() < 0.4:
            params["page"] = random.randint(2, 8)
        kind = "list (page 2+)" if "page" in params else ("list (filtered)" if params else "list")
        self.send("GET", self.review_url + _query(params), kind)

    @task(10)
    def search(self):
        params = {"q": random.choice(PLAN["terms"])}
        if random.random() < 0.3:
            params["unscreened"] = "on"
        self.send("GET", self.review_url + _query(params), "search")

    @task(10)
    def paper_page(self):
        self.send("GET", self.paper()["path"], "paper")

    @task(8)
    def decide_on_paper_page(self):
        paper = self.paper()
        if random.random() < 0.5:
            decision, reason = self._decision(reasonless=0.3)
            data = {"decision": decision, "reason": reason or "", "next": paper["path"]}
            saves = [(DECISION, paper["id"], [decision, reason])]
            self.post(
                f"{self.review_url}annotate/{paper['id']}/decision/", "decide (page)", data, htmx=False, saves=saves
            )
        else:
            value = random.randint(1, 5)
            data = {"value": value, "next": paper["path"]}
            saves = [(SCORE, paper["id"], value)]
            self.post(f"{self.review_url}annotate/{paper['id']}/score/", "score (page)", data, htmx=False, saves=saves)

    @task(6)
    def tag(self):
        paper, tag = self.paper(), random.choice(PLAN["tags"])
        data = {"name": tag["name"], "next": paper["path"]}
        self.post(
            f"{self.review_url}annotate/{paper['id']}/tags/",
            "tag",
            data,
            htmx=True,
            saves=[(TAG, paper["id"], tag["id"])],
        )

    @task(3)
    def comment(self):
        paper = self.paper()
        body = f"Load test note {uuid.uuid4().hex[:12]}: the evaluation needs a second look."
        data = {"body": body, "next": paper["path"]}
        self.post(
            f"{self.review_url}annotate/{paper['id']}/comments/add/",
            "comment",
            data,
            htmx=True,
            saves=[(COMMENT, paper["id"], body)],
        )

    @task(5)
    def dashboard(self):
        self.send("GET", f"{self.review_url}dashboard/", "dashboard")

    @task(4)
    def home(self):
        self.send("GET", "/", "home")

    # --- Helpers ---

    def _decision(self, reasonless: float = 0.0) -> tuple[str, int | None]:
        decision = random.choices(["include", "maybe", "exclude"], [20, 10, 70])[0]
        if decision != "exclude" or random.random() < reasonless:
            return decision, None
        return decision, random.choice(PLAN["reasons"])

    @staticmethod
    def _shown(response) -> int | None:
        """The paper a screening page or fragment shows (the one its decision form is for)."""
        if response is None:
            return None
        found = DECISION_FORM.search(response.text)
        return int(found.group(1)) if found else None


def _query(params: dict) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(params) if params else ""
