"""The import's read-ahead thread: items in order, the producer's errors where the item would have come, and no
thread left behind when the writer stops early."""

import threading

import pytest

from papers.importers.read_ahead import read_ahead


def test_items_come_in_order_while_the_next_is_produced_in_another_thread():
    producers = []

    def items():
        for number in range(5):
            producers.append(threading.current_thread().name)
            yield number

    assert list(read_ahead(items())) == [0, 1, 2, 3, 4]
    assert set(producers) == {"import-read-ahead"}


def test_an_error_while_producing_is_raised_to_the_consumer_after_the_items_before_it():
    def items():
        yield "first"
        raise ValueError("line 7: not JSON")

    received = []
    with pytest.raises(ValueError, match="line 7"):
        for item in read_ahead(items()):
            received.append(item)
    assert received == ["first"]


def test_a_consumer_that_stops_early_stops_the_producer():
    produced = []

    def endless():
        number = 0
        while True:
            produced.append(number)
            yield number
            number += 1

    reader = read_ahead(endless(), depth=1)
    assert next(reader) == 0
    reader.close()

    assert not [thread for thread in threading.enumerate() if thread.name == "import-read-ahead"]
    assert len(produced) <= 3  # the item taken, one in the hand-off, one waiting for room
