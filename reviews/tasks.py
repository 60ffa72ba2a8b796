"""The reviews app's background work, run by the task worker (`manage.py db_worker`)."""

import logging

from django_tasks import task

from . import priority

logger = logging.getLogger(__name__)


@task()
def retrain_priority(ranking_id: int) -> None:
    """Retrain one priority ranking (reviews/priority.py). A failure is kept on the ranking, whose last order
    stays in use, and logged; the next decision queues another try."""
    try:
        priority.retrain(ranking_id)
    except Exception as error:
        logger.exception("Retraining priority ranking %s failed", ranking_id)
        priority.record_failure(ranking_id, error)
