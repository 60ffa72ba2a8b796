"""``manage.py recover_jobs``: report the background work of dead workers failed, and retry what can be retried."""

from django.core.management.base import BaseCommand

from papers.tasks import recover_stopped_work


class Command(BaseCommand):
    help = (
        "Publish to the end the staged papers of an import killed while publishing them (at once: a lock says "
        "whether the import lives). Find the tasks whose worker stopped (killed, out of memory, the machine gone) "
        "more than MARGINALIA_WORKER_TIMEOUT_MINUTES ago: import jobs are reported failed (nothing was written), "
        "a priority retraining or similar-papers refresh is queued again. Safe to run at any time, from cron or "
        "before starting the workers."
    )

    def handle(self, *args, **options):
        recovered = recover_stopped_work()
        self.stdout.write(
            f"{recovered.publishes} killed import(s) published to the end, "
            f"{recovered.import_jobs} import job(s) reported failed, {recovered.retrainings} priority "
            f"retraining(s) and {recovered.similar_refreshes} similar-papers refresh(es) queued again."
        )
