"""Argument types shared by the benchmark command lines (argparse ``type=`` callables)."""
from __future__ import annotations

import argparse
import math

__all__ = ["number_list", "name_list", "positive", "shard"]


def number_list(kind=float, minimum=0, strict=False):
    """Parse ``"a,b,c"`` into a list of ``kind`` values, each ``>= minimum`` (``> minimum`` if ``strict``)."""
    bound = f"{'>' if strict else '>='} {minimum}"

    def parse(text):
        try:
            values = [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {kind.__name__}s, got {text!r}") from None
        if not values:
            raise argparse.ArgumentTypeError(f"expected at least one value, got {text!r}")
        for v in values:
            if not math.isfinite(v) or v < minimum or (strict and v == minimum):
                raise argparse.ArgumentTypeError(f"values must be finite and {bound}, got {text!r}")
        return values

    parse.__name__ = f"list of {kind.__name__}"
    return parse


def name_list(text):
    """Parse ``"a,b"`` into a list of non-empty names."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of names, got {text!r}")
    return values


def positive(kind):
    """A strictly positive ``kind`` (int or float)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}") from None
        if not value > 0 or not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def shard(text):
    """``"I/K"`` -> ``(I, K)`` with ``0 <= I < K``: run every K-th run starting at I."""
    try:
        index, count = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"shard must look like I/K (e.g. 0/4), got {text!r}") from None
    if count < 1 or not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"shard I/K needs 0 <= I < K, got {text!r}")
    return index, count
