"""Where a sweep's tasks run: in this process, or as tasks of a Ray cluster.

An executor maps a function over work items and yields ``(index, result, error)``
as the items finish, so the driver can save each result at once and print its
progress line:

* :class:`LocalExecutor` runs the items one after the other in this process;
  an exception stops the sweep with its traceback (an error here is a bug, or a
  bad input that the checks before training did not catch).
* :class:`RayExecutor` runs each item as one Ray task (one population of runs, or
  one batch of runs to analyse) on a local Ray instance that it starts and shuts
  down, or on an existing cluster (``address=``). A worker process that dies is
  retried by Ray (``max_retries``); a task that raises is yielded with its error,
  and the other tasks go on.

**Results go back to the driver, which alone writes the folder.** Workers never
touch the output folder: a task returns its runs' rows and arrays, and the driver
saves them with :meth:`sernn.runfolder.RunStore.save_run` (atomic files, then the
done-marker). So a retried task cannot duplicate a row (the driver receives one
result per task), the workers need no shared file system (a cloud cluster works
as a SLURM one does), and killing the driver leaves a folder that any later
run, local or Ray, resumes.

``ray`` is an optional extra: ``pip install "sernn[ray]"``.
"""
from __future__ import annotations

import os

__all__ = ["LocalExecutor", "RayExecutor", "EXECUTORS", "make_executor", "RunsFailed", "error_text"]

#: The executors offered by ``--executor``.
EXECUTORS = ("local", "ray")


class RunsFailed(RuntimeError):
    """Some runs of a sweep failed (each was reported with its error); the others are saved."""

    def __init__(self, failures):
        self.failures = list(failures)  # (run ids, error text)
        count = sum(len(ids) for ids, _ in self.failures)
        ids, error = self.failures[0]
        super().__init__(f"{count} run{'s' * (count != 1)} failed (first: {ids[0]}: {error}); the others are "
                         "saved, re-run to retry the failed ones")


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
            raise ValueError('--executor ray needs the optional extra: pip install "sernn[ray]"') from None
        if not task_cpus > 0:
            raise ValueError(f"--task-cpus must be > 0, got {task_cpus}")
        if not task_gpus >= 0:
            raise ValueError(f"--task-gpus must be >= 0, got {task_gpus}")
        self.address = address
        self.task_cpus = float(task_cpus)
        self.task_gpus = float(task_gpus)
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
    """The executor called ``name`` (``"local"`` or ``"ray"``); options other than the name are Ray's."""
    if name not in EXECUTORS:
        raise ValueError(f"--executor: unknown executor {name!r}; accepted: {', '.join(EXECUTORS)}")
    if name == "local":
        if address is not None:
            raise ValueError("--address applies to --executor ray only")
        return LocalExecutor()
    return RayExecutor(address=address, task_cpus=task_cpus, task_gpus=task_gpus)
