"""Seeding Keras initializers given by name, so that a build with the same seed draws the same weights."""
from __future__ import annotations

import keras

__all__ = ["seeded_initializer"]


def seeded_initializer(initializer, seed):
    """A Keras initializer; a name (e.g. ``"orthogonal"``) gets ``seed`` when it takes one. An initializer
    object, or ``seed=None``, is used as given.

    Examples
    --------
    The same name and seed draw the same weights:

    >>> import keras, numpy as np
    >>> from sernn.initializers.seeded import seeded_initializer
    >>> a = keras.ops.convert_to_numpy(seeded_initializer("orthogonal", 3)((2, 2)))
    >>> b = keras.ops.convert_to_numpy(seeded_initializer("orthogonal", 3)((2, 2)))
    >>> bool(np.array_equal(a, b)), seeded_initializer("orthogonal", 3).seed
    (True, 3)

    An initializer without a seed, or an object, is returned as it is:

    >>> type(seeded_initializer("zeros", 3)).__name__
    'Zeros'
    >>> given = keras.initializers.Orthogonal(seed=7)
    >>> seeded_initializer(given, 3) is given
    True
    """
    if isinstance(initializer, str) and seed is not None:
        init = keras.initializers.get(initializer)
        config = init.get_config()
        if "seed" in config:
            config["seed"] = seed
            return type(init).from_config(config)
        return init
    return keras.initializers.get(initializer)
