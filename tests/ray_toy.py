"""A benchmark for the executor tests whose "training" is arithmetic, with ways to fail on purpose.

Ray workers receive it by value (``register``), so they need not import the tests folder.
"""
import os
import time
from dataclasses import dataclass
from pathlib import Path

from sernn.experiments.sweep import Benchmark
from sernn.runfolder import make_run_id


@dataclass(frozen=True)
class Spec:
    task: str
    seed: int

    @property
    def params(self):
        return {"task": self.task, "seed": self.seed}

    @property
    def run_id(self):
        return make_run_id(self.params)


class Toy(Benchmark):
    """``value = seed * scale``; task "bad" raises; ``kill_once`` kills the worker on the first attempt."""

    name = "toy"
    presets = {"quick": {}}
    extendable = ("seeds",)

    def __init__(self, kill_once=None, sleep=0.0):
        self.kill_once = kill_once  # a marker file: absent = kill this attempt's process
        self.sleep = sleep

    def train_population(self, specs, settings, context):
        if self.kill_once is not None and specs[0].seed == 0 and not Path(self.kill_once).exists():
            Path(self.kill_once).write_text(str(os.getpid()))
            os._exit(1)  # the worker process dies in the middle of the task
        if specs[0].task == "bad":
            raise ValueError(f"bad input for {specs[0].run_id}")
        time.sleep(self.sleep)
        return [([{"epoch": 1, "value": spec.seed * settings["scale"], "pid": os.getpid()}], None, {})
                for spec in specs]

    def population_key(self, spec):
        return spec.task

    def population_shape(self, settings):
        return 4, 2


def register():
    """Let Ray workers unpickle this module's classes without importing it."""
    import sys

    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
