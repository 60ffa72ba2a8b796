"""How well a screening order finds the includes: recall at a share screened, WSS@95, average time to discovery.

All are computed, as ASReview Insights computes them by default, on the order *after* the starting records (the
one include and one exclude a simulation is given, not found): N records and I includes remain to be found.
"""

import math
from dataclasses import dataclass

RECALL_POINTS = (0.05, 0.10, 0.25)


@dataclass(frozen=True)
class ScreeningMetrics:
    records: int  # N: records after the starting ones
    includes: int  # I: includes among them
    recall: dict[float, float]  # share screened → share of the I includes found by then
    wss95: float
    atd: float  # average time to discovery, in records
    last_include: int  # how many records it took to find them all

    @property
    def atd_share(self) -> float:
        """The average time to discovery as a share of the N records."""
        return self.atd / self.records


def recall_at(labels: list[int], share: float) -> float:
    """The share of the includes among the first ⌊share × N⌋ records of the order."""
    screened = math.floor(share * len(labels) + 1e-9)
    return sum(labels[:screened]) / sum(labels)


def records_to_find(labels: list[int], count: int) -> int:
    """How many records of the order are screened by the time ``count`` includes are found."""
    found = 0
    for position, label in enumerate(labels, start=1):
        found += label
        if found >= count:
            return position
    raise ValueError(f"the order has fewer than {count} includes")


def wss(labels: list[int], recall: float = 0.95) -> float:
    """Work saved over sampling at ``recall`` (Cohen et al., 2006): the share of records one need not screen to
    find ⌈recall × I⌉ of the includes, less the 1 − recall a random order saves for the same recall."""
    needed = records_to_find(labels, math.ceil(recall * sum(labels) - 1e-9))
    return (len(labels) - needed) / len(labels) - (1 - recall)


def average_time_to_discovery(labels: list[int]) -> float:
    """The mean, over the includes, of how many records were screened when each was found (Ferdinands et al.)."""
    positions = [position for position, label in enumerate(labels, start=1) if label]
    return sum(positions) / len(positions)


def screening_metrics(labels_in_order: list[int], starting: int = 2) -> ScreeningMetrics | None:
    """The metrics of a whole screening order (labels, 1 include 0 exclude, in the order screened), leaving out
    its first ``starting`` records. None when no include is left to find after them."""
    labels = [int(label) for label in labels_in_order[starting:]]
    if not any(labels):
        return None
    return ScreeningMetrics(
        records=len(labels),
        includes=sum(labels),
        recall={share: recall_at(labels, share) for share in RECALL_POINTS},
        wss95=wss(labels),
        atd=average_time_to_discovery(labels),
        last_include=records_to_find(labels, sum(labels)),
    )
