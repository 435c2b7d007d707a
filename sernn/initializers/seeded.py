"""Seeding Keras initializers given by name, so that a build with the same seed draws the same weights."""
from __future__ import annotations

import keras

__all__ = ["seeded_initializer"]


def seeded_initializer(initializer, seed):
    """A Keras initializer; a name (e.g. ``"orthogonal"``) gets ``seed`` when it takes one. An initializer
    object, or ``seed=None``, is used as given."""
    if isinstance(initializer, str) and seed is not None:
        init = keras.initializers.get(initializer)
        config = init.get_config()
        if "seed" in config:
            config["seed"] = seed
            return type(init).from_config(config)
        return init
    return keras.initializers.get(initializer)
