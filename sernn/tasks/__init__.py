"""Task datasets (numpy arrays, seeded), for the benchmarks and for users' own models.

Every task function takes the number of trials and an explicit ``seed``; the same
seed gives the same arrays.
"""
from sernn.tasks.decision import go_nogo, perceptual_decision
from sernn.tasks.flipflop import flip_flop
from sernn.tasks.maze import MAZE_PROBLEMS, maze, maze_dataset
from sernn.tasks.memory import TaskData, nback, sequence_memory
from sernn.tasks.neurogym_tasks import NEUROGYM_TASKS, from_neurogym

__all__ = ["maze", "maze_dataset", "MAZE_PROBLEMS", "sequence_memory", "nback", "TaskData",
           "go_nogo", "perceptual_decision", "from_neurogym", "NEUROGYM_TASKS", "flip_flop"]
