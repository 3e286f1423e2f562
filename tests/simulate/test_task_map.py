"""simulate.distributed's task maps: batches of tasks on dask keep every result under its own index, and
a payload is sent to the workers once per object (a levers run's two phases share one copy)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from peninsula.core import ParameterError
from peninsula.simulate.distributed import TaskMap, batch_bounds, dask_map, in_process_map

#: How often a :class:`Payload` was pickled in this process (each pickling is one copy sent to workers).
PICKLED = [0]
#: In a worker process: ``("copies", offset)`` -> how many copies of that payload it unpickled.
UNPICKLED: dict[tuple[Any, int], int] = {}


class Payload:
    """A shared payload that counts its picklings here and its warm-ups on the worker holding it."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.warmed = 0

    def __getstate__(self) -> dict[str, Any]:
        PICKLED[0] += 1
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        # in a worker process: how many copies of this payload it has unpickled
        key = ("copies", self.offset)
        UNPICKLED[key] = UNPICKLED.get(key, 0) + 1


def warm(p: Payload) -> bool:
    p.warmed += 1  # the worker's copy: later tasks on that worker see it
    return True


def square(p: Payload, task: int) -> tuple[int, int]:
    # later tasks finish first, so batches come back out of submission order
    time.sleep(0.002 * (30 - task))
    return p.offset + task * task, p.warmed


@pytest.fixture(scope="module")
def on_two() -> Iterator[TaskMap]:
    with dask_map(workers=2) as run:  # a LocalCluster of two worker processes on 127.0.0.1
        yield run


def test_batch_bounds_cover_every_task_once_in_shrinking_batches() -> None:
    for n in range(0, 60):
        for split in range(1, 12):
            bounds = batch_bounds(n, split)
            assert [i for lo, hi in bounds for i in range(lo, hi)] == list(range(n))
            sizes = [hi - lo for lo, hi in bounds]
            # each batch takes 1/split of what is left (rounded up): large first, single tasks last
            assert sizes == [-(-(n - lo) // split) for lo, _ in bounds]
            assert sizes == sorted(sizes, reverse=True)
            assert not sizes or split == 1 or sizes[-1] == 1
    assert [hi - lo for lo, hi in batch_bounds(51, 8)] == [7, 6, 5, 5, 4, 3, 3, 3, 2, 2, 2, 2, *[1] * 7]
    with pytest.raises(ParameterError):
        batch_bounds(5, 0)


@pytest.mark.parametrize("per_worker", [None, 1, 3])
def test_every_result_comes_back_under_its_own_task(on_two: TaskMap, per_worker: int | None) -> None:
    tasks = list(range(30))
    got = list(on_two(square, Payload(1000), tasks, warm, batches_per_worker=per_worker))
    assert sorted(k for k, _ in got) == tasks  # each index once
    assert {k: r[0] for k, r in got} == {k: 1000 + k * k for k in tasks}
    assert list(in_process_map(square, Payload(1000), tasks, warm, batches_per_worker=per_worker)) == [
        (k, (1000 + k * k, 0)) for k in tasks
    ]


def test_one_payload_object_is_sent_and_warmed_once(on_two: TaskMap) -> None:
    p = Payload(7)
    PICKLED[0] = 0
    first = dict(on_two(square, p, list(range(12)), warm, batches_per_worker=2))
    sent = PICKLED[0]
    assert sent >= 1
    second = dict(on_two(square, p, list(range(12, 24)), warm, batches_per_worker=2))
    assert PICKLED[0] == sent, (sent, PICKLED[0])  # the same object: the copy on the workers is reused
    warmed = {k: r[1] for k, r in (*first.items(), *second.items())}
    assert set(warmed.values()) == {1}, warmed  # each worker warmed once
    third = dict(on_two(square, Payload(7), [0, 1], warm))
    assert PICKLED[0] > sent, (sent, PICKLED[0])  # another object (even an equal one) is sent
    assert third == {0: (7, 1), 1: (8, 1)}, third


def copies(p: Payload, task: int) -> tuple[int, int]:
    time.sleep(0.05)  # long enough for both workers to take tasks
    return os.getpid(), UNPICKLED[("copies", p.offset)]


def test_each_worker_keeps_its_copy_between_calls(on_two: TaskMap) -> None:
    # dask's active memory manager (every 2 s) would drop one of the two broadcast copies while no task waits
    # on it; then the next call's tasks on that worker fetch and unpickle a second copy
    p = Payload(424242)
    first = set(dict(on_two(copies, p, list(range(8)), warm)).values())
    time.sleep(4.5)
    second = set(dict(on_two(copies, p, list(range(8)), warm)).values())
    assert len({pid for pid, _ in first | second}) == 2  # both workers ran tasks
    assert {n for _, n in first | second} == {1}, (first, second)  # one copy each, unpickled once


def test_batches_per_worker_below_one_is_refused(on_two: TaskMap) -> None:
    with pytest.raises(ParameterError, match="batches_per_worker"):
        list(on_two(square, Payload(0), [1], batches_per_worker=0))
