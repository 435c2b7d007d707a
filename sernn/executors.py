"""Where work runs (in this process, or as tasks of a Ray cluster), and the one loop that runs it.

An executor maps a function over work items and yields ``(index, result, error)``
as the items finish:

* :class:`LocalExecutor` runs the items one after the other in this process;
  an exception stops the loop with its traceback (an error here is a bug, or a
  bad input that the checks before the work did not catch).
* :class:`RayExecutor` runs each item as one Ray task (one population of runs, or
  one batch of runs to analyse) on a local Ray instance that it starts and shuts
  down, or on an existing cluster (``address=``). A worker process that dies is
  retried by Ray (``max_retries``); a task that raises is yielded with its error,
  and the other tasks go on.

:func:`run_items` is the loop that the sweeps (:func:`sernn.experiments.sweep.train_pending`)
and the folder analysis (:func:`sernn.analysis.folder.analyze_folder`) share: it
maps the work over an executor, hands each result to the caller as soon as it
arrives (which saves it), reports failed items with their run ids, and raises
one :class:`RunsFailed` after every other item has been saved. :class:`Progress`
gives the time per finished run and the ETA of the rest.

**Results go back to the driver, which alone writes the folder.** Workers never
touch the output folder: a task returns its runs' rows and arrays, and the driver
saves them (atomic files, then the done-marker). So a retried task cannot
duplicate a row (the driver receives one result per task), the workers need no
shared file system (a cloud cluster works as a SLURM one does), and killing the
driver leaves a folder that any later run, local or Ray, resumes.

``ray`` is an optional extra: ``pip install "sernn[ray]"``.
"""
from __future__ import annotations

import os
import time

from sernn.validation import check_option, check_real

__all__ = ["LocalExecutor", "RayExecutor", "EXECUTORS", "make_executor", "RunsFailed", "error_text", "run_items",
           "Progress"]

#: The executors offered by ``--executor``.
EXECUTORS = ("local", "ray")


class RunsFailed(RuntimeError):
    """Some runs failed on the executor (each was reported with its error); the others are kept.

    Parameters
    ----------
    failures : list of (list of str, str)
        The run ids of each failed item and its error text.
    kept : str, default="saved"
        What happened to the other runs ("saved" by a sweep, "cached" by an analysis).

    Examples
    --------
    >>> error = RunsFailed([(["a", "b"], "ValueError: bad")], kept="cached")
    >>> str(error)
    '2 runs failed (first: a: ValueError: bad); the others are cached, re-run to retry the failed ones'
    >>> error.failures
    [(['a', 'b'], 'ValueError: bad')]
    """

    def __init__(self, failures, kept: str = "saved"):
        self.failures = list(failures)  # (run ids, error text)
        count = sum(len(ids) for ids, _ in self.failures)
        ids, error = self.failures[0]
        super().__init__(f"{count} run{'s' * (count != 1)} failed (first: {ids[0]}: {error}); the others are "
                         f"{kept}, re-run to retry the failed ones")


class LocalExecutor:
    """Run every item in this process, in order."""

    name = "local"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, function, items):
        """Yield ``(index, function(item), None)`` for each item, in order."""
        for index, item in enumerate(items):
            yield index, function(item), None


def _call(function, item):
    return function(item)


class RayExecutor:
    """Run every item as one Ray task.

    Parameters
    ----------
    address : str, optional
        An existing cluster (e.g. ``"auto"`` on a node of it, or ``"ray://head:10001"``).
        None: start a local Ray instance with ``num_cpus`` CPUs and shut it down afterwards.
    task_cpus : float, default=1
        CPUs reserved by each task; TensorFlow in the task uses that many threads.
    task_gpus : float, default=0
        GPUs reserved by each task (e.g. 1, or 0.25 to share a GPU between four populations).
    max_retries : int, default=3
        How often Ray re-runs a task whose worker process died.
    num_cpus : int, optional
        CPUs of the local instance (default: all of this machine's); only without ``address``.
    """

    name = "ray"

    def __init__(self, address=None, task_cpus=1.0, task_gpus=0.0, max_retries=3, num_cpus=None):
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ValueError('executor ray needs the optional extra: pip install "sernn[ray]"') from None
        self.task_cpus = check_real(task_cpus, "task_cpus", low=0, inclusive="neither")
        self.task_gpus = check_real(task_gpus, "task_gpus", low=0)
        self.address = address
        self.max_retries = int(max_retries)
        self.num_cpus = num_cpus
        self._started = False

    def __enter__(self):
        import ray

        threads = str(max(1, int(self.task_cpus)))
        runtime_env = {"env_vars": {
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1"),
            "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": threads,
        }}
        options = dict(runtime_env=runtime_env, log_to_driver=False, logging_level="ERROR",
                       configure_logging=True)
        if not ray.is_initialized():
            if self.address is None:
                ray.init(num_cpus=self.num_cpus or os.cpu_count(), include_dashboard=False, **options)
            else:
                ray.init(address=self.address, **options)
            self._started = True
        self._remote = ray.remote(_call).options(num_cpus=self.task_cpus, num_gpus=self.task_gpus,
                                                 max_retries=self.max_retries)
        return self

    def __exit__(self, *exc):
        import ray

        if self._started:
            ray.shutdown()
            self._started = False
        return False

    def map(self, function, items):
        """Submit every item; yield ``(index, result, None)`` or ``(index, None, error)`` as tasks finish."""
        import ray

        shared = ray.put(function)  # sent once, not once per task
        # Items are submitted as earlier ones finish (at most two per task slot in flight), so a
        # generator of large items (e.g. weight histories to analyse) is never all in memory.
        slots = max(1, int(ray.cluster_resources().get("CPU", 1) // self.task_cpus))
        queue = iter(enumerate(items))
        pending = {}
        while True:
            for index, item in queue:
                pending[self._remote.remote(shared, item)] = index
                if len(pending) >= 2 * slots:
                    break
            if not pending:
                return
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                try:
                    yield index, ray.get(ref), None
                except ray.exceptions.RayError as error:
                    yield index, None, error_text(error)


def error_text(error) -> str:
    """One line for a task's error: the original exception's type and message where Ray kept it."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, BaseException):
        error = cause
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def make_executor(name="local", address=None, task_cpus=1.0, task_gpus=0.0):
    """The executor called ``name`` (``"local"`` or ``"ray"``); options other than the name are Ray's.

    Examples
    --------
    >>> make_executor("local").name
    'local'
    >>> make_executor("local", address="auto")
    Traceback (most recent call last):
    ValueError: address applies to the ray executor only; got 'auto'
    """
    name = check_option(name, "executor", EXECUTORS)
    if name == "local":
        if address is not None:
            raise ValueError(f"address applies to the ray executor only; got {address!r}")
        return LocalExecutor()
    return RayExecutor(address=address, task_cpus=task_cpus, task_gpus=task_gpus)


class Progress:
    """The time per finished run and the ETA of the rest of ``total`` runs.

    Examples
    --------
    >>> progress = Progress(total=4)
    >>> seconds, eta = progress.advance(2)    # two runs finished
    >>> progress.finished, seconds >= 0, eta >= 0
    (2, True, True)
    >>> progress.drop(1)                      # one run will not be done (failed, skipped)
    >>> progress.remaining
    1
    """

    def __init__(self, total: int):
        self.total, self.finished, self.dropped = int(total), 0, 0
        self.started = self.last = time.perf_counter()

    @property
    def remaining(self) -> int:
        """Runs neither finished nor dropped."""
        return self.total - self.finished - self.dropped

    def drop(self, count: int) -> None:
        """``count`` runs will not finish (they failed or were skipped)."""
        self.dropped += int(count)

    def advance(self, count: int) -> tuple[float, float]:
        """``count`` runs just finished: (seconds per run since the last call, ETA in seconds).

        In this process the time since the last call is the item's own time; with
        parallel tasks it is the time between results. The ETA extrapolates the mean
        time per finished run to the remaining ones.
        """
        now = time.perf_counter()
        seconds = (now - self.last) / max(1, count)
        self.last = now
        self.finished += int(count)
        eta = (now - self.started) / max(1, self.finished) * self.remaining
        return seconds, max(eta, 0.0)


def run_items(function, items, *, ids, on_result, on_failure=None, executor=None, log=print, kept="saved"):
    """Map ``function`` over ``items`` on an executor; hand each result to ``on_result`` as it arrives.

    Parameters
    ----------
    function : callable
        ``function(item) -> result`` (picklable for the Ray executor).
    items : iterable
        The work items; a generator is consumed as the executor asks for items.
    ids : callable
        ``ids(item) -> list of str``: the run ids of an item, named when it fails.
    on_result : callable
        ``on_result(item, result)``, called in this process for every item that succeeded
        (it saves the result and prints its progress line).
    on_failure : callable, optional
        ``on_failure(item)``, called for every item that failed, after its line is logged.
    executor : optional
        :class:`LocalExecutor` (default) or :class:`RayExecutor`, entered by the caller.
    log : callable, default=print
        Receives one line per failed item.
    kept : str, default="saved"
        The word the :class:`RunsFailed` message uses for the other runs.

    Raises
    ------
    RunsFailed
        After every other item has been handled, if an item failed (only the Ray executor
        reports errors this way; in this process an error stops the loop).

    Examples
    --------
    >>> done = []
    >>> run_items(lambda n: n * n, [1, 2, 3], ids=lambda n: [str(n)],
    ...           on_result=lambda n, square: done.append((n, square)))
    >>> done
    [(1, 1), (2, 4), (3, 9)]
    """
    seen, failures = [], []

    def tracked():
        for item in items:
            seen.append(item)
            yield item

    for index, result, error in (executor or LocalExecutor()).map(function, tracked()):
        if error is not None:
            failed = list(ids(seen[index]))
            failures.append((failed, error))
            log(f"failed: {', '.join(failed)}: {error}")
            if on_failure is not None:
                on_failure(seen[index])
            continue
        on_result(seen[index], result)
    if failures:
        raise RunsFailed(failures, kept=kept)
