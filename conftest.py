"""pytest: the doctests of optional extras are collected only where the extra is installed."""
from importlib.util import find_spec

collect_ignore = [] if find_spec("neurogym") is not None else ["sernn/tasks/neurogym_tasks.py"]
