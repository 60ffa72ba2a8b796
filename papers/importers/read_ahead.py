"""Reading a file's next chunk while the database writes this one: the import's one use of a thread.

Parsing a chunk is Python's work; writing it is mostly PostgreSQL's (COPY, search documents, indexes), during
which the importing process only waits. On two cores the two overlap (measured, noisily, in the README's "An import
never freezes the site"). The thread only reads and parses: it never touches the database, whose connection (and
the import's transaction) belongs to the thread that writes.
"""

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()
# How often a producer blocked on a full hand-off looks whether the consumer has gone.
_POLL_SECONDS = 0.1


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order while a thread produces up to ``depth`` more of them.

    An exception raised while producing is raised here, where the item would have come. A consumer that stops
    early (an error while writing, a dry run's rollback) stops the thread before this generator closes.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def hand_over(item) -> bool:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over((item, None)):
                    return
            hand_over((_END, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
            hand_over((_END, error))

    producer = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
            del item  # not held while the next is awaited
    finally:
        stopped.set()
        producer.join()
