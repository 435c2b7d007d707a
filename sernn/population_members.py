"""The members of a population: what may differ between them, checked; their initial weights and their
mask and sign constraints stacked; their parts (de)serialised for saving.

A member is a dict of :func:`sernn.models.build_sernn` keyword arguments that
may differ between the networks of a :class:`sernn.population.Population`
(:data:`MEMBER_KEYS`): everything else is the shared
:class:`~sernn.architecture.Architecture` or the shared training settings.
"""
from __future__ import annotations

import keras
import numpy as np

from sernn.architecture import WEIGHTS, Architecture
from sernn.constraints import DaleConstraint, MaskConstraint

__all__ = ["MEMBER_KEYS", "check_members", "initial_weights", "MemberConstraints", "member_config",
           "member_from_config"]

#: The keyword arguments of ``build_sernn`` that may differ between members (``seed`` is required).
MEMBER_KEYS = ("seed", "recurrent_regularizer", "recurrent_constraint", "recurrent_initializer",
               "kernel_initializer", "noise")


def check_members(members) -> list:
    """The members as a list of new dicts, checked: at least one, each with a seed and only :data:`MEMBER_KEYS`,
    each constraint None, a :class:`~sernn.constraints.MaskConstraint` or a
    :class:`~sernn.constraints.DaleConstraint` (the ones vectorised).

    Examples
    --------
    >>> from sernn.population_members import check_members
    >>> check_members([{"seed": 0, "noise": 0.0}])
    [{'seed': 0, 'noise': 0.0}]
    >>> check_members([{"seed": 0, "units": 50}])
    Traceback (most recent call last):
    ...
    ValueError: members[0] has 'units', which cannot differ between members; accepted: seed, ...
    """
    members = [dict(m) for m in members]
    if not members:
        raise ValueError("members must list at least one network")
    for index, member in enumerate(members):
        if "seed" not in member:
            raise ValueError(f"members[{index}] has no 'seed'; every member needs its own seed")
        unknown = set(member) - set(MEMBER_KEYS)
        if unknown:
            raise ValueError(f"members[{index}] has {sorted(unknown)[0]!r}, which cannot differ between members; "
                             f"accepted: {', '.join(MEMBER_KEYS)}")
        constraint = member.get("recurrent_constraint")
        if constraint is not None and not isinstance(constraint, (MaskConstraint, DaleConstraint)):
            raise TypeError(f"members[{index}]: recurrent_constraint must be None, a MaskConstraint or a "
                            f"DaleConstraint "
                            f"(other constraints are not vectorised); got {type(constraint).__name__}")
    return members


def initial_weights(members, architecture: Architecture) -> dict:
    """The members' initial weights stacked ``(K, ...)`` by the names of :data:`sernn.architecture.WEIGHTS`:
    member k's exactly as ``build_sernn(**architecture.as_dict(), **members[k])`` draws them.

    Examples
    --------
    >>> import numpy as np
    >>> from sernn.architecture import Architecture
    >>> from sernn.models import build_sernn
    >>> from sernn.population_members import initial_weights
    >>> stacks = initial_weights([{"seed": 0}, {"seed": 1}], Architecture(units=5))
    >>> stacks["recurrent_kernel"].shape
    (2, 5, 5)
    >>> alone = build_sernn(units=5, seed=1).get_layer("rnn").get_weights()[1]
    >>> bool(np.array_equal(stacks["recurrent_kernel"][1], alone))
    True
    """
    from sernn.models import build_sernn

    values = [Architecture.model_weights(build_sernn(**architecture.as_dict(), **member, compile=False))
              for member in members]
    return {name: np.stack([value[name] for value in values]) for name in WEIGHTS}


class MemberConstraints:
    """The members' mask and sign constraints as stacks, applied to all kernels at once.

    A member's :class:`~sernn.constraints.MaskConstraint` zeroes the weights
    outside its mask (and with ``nonneg`` clips them at 0); its
    :class:`~sernn.constraints.DaleConstraint` projects each row onto its unit's
    sign, ``W <- s * relu(s * W)``, within its mask: what the constraint does to
    a Keras layer's kernel after each step.

    Parameters
    ----------
    members : sequence of dict
        The members (a member without ``recurrent_constraint`` keeps every weight).
    units : int
        Number of recurrent units n.

    Attributes
    ----------
    masks : ndarray of shape (K, n, n) or None
        1 where a weight exists (None when no member has a constraint).
    nonneg : ndarray of shape (K, 1, 1) or None
        1 for a member whose weights are kept non-negative.
    signs : ndarray of shape (K, n, 1) or None
        Each unit's sign for the members under Dale's law (1 for the others; None
        when no member has a ``DaleConstraint``).
    dale : ndarray of shape (K, 1, 1) or None
        1 for a member under Dale's law.

    Examples
    --------
    >>> import keras, numpy as np
    >>> from sernn.constraints import DaleConstraint, MaskConstraint
    >>> from sernn.population_members import MemberConstraints
    >>> mask = np.array([[True, False], [True, True]])
    >>> constraints = MemberConstraints([{"seed": 0},
    ...                                  {"seed": 1, "recurrent_constraint": MaskConstraint(mask, nonneg=True)}], 2)
    >>> kernels = keras.Variable(-np.ones((2, 2, 2)), dtype="float32")
    >>> constraints.apply(kernels)
    >>> np.asarray(kernels[0]).tolist(), np.asarray(kernels[1]).tolist()
    ([[-1.0, -1.0], [-1.0, -1.0]], [[0.0, 0.0], [0.0, 0.0]])

    Under Dale's law (unit 0 excitatory, unit 1 inhibitory) each row keeps its sign:

    >>> from sernn.constraints import DaleConstraint
    >>> dale = MemberConstraints([{"seed": 0, "recurrent_constraint": DaleConstraint([1, -1])}], 2)
    >>> kernels = keras.Variable(np.array([[[1.0, -1.0], [1.0, -1.0]]]), dtype="float32")
    >>> dale.apply(kernels)
    >>> np.asarray(kernels[0]).tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    """

    def __init__(self, members, units: int):
        masks = np.ones((len(members), units, units), dtype=np.float32)
        nonneg = np.zeros((len(members), 1, 1), dtype=np.float32)
        signs = np.ones((len(members), units, 1), dtype=np.float32)
        dale = np.zeros((len(members), 1, 1), dtype=np.float32)
        for k, member in enumerate(members):
            constraint = member.get("recurrent_constraint")
            if isinstance(constraint, DaleConstraint):
                if constraint.signs.size != units:
                    raise ValueError(f"members[{k}]: the DaleConstraint has {constraint.signs.size} signs, "
                                     f"expected one per unit ({units})")
                signs[k, :, 0] = constraint.signs
                dale[k] = 1.0
            if constraint is not None and constraint.mask is not None:
                if constraint.mask.shape != (units, units):
                    raise ValueError(f"members[{k}]: the mask has shape {constraint.mask.shape}, expected "
                                     f"({units}, {units}) for units={units}")
                masks[k] = constraint.mask
            if isinstance(constraint, MaskConstraint):
                nonneg[k] = float(constraint.nonneg)
        constrained = any(member.get("recurrent_constraint") is not None for member in members)
        self.masks, self.nonneg = (masks, nonneg) if constrained else (None, None)
        self.signs, self.dale = (signs, dale) if dale.any() else (None, None)

    def apply(self, variable) -> None:
        """Zero the masked weights of the stacked kernels ``variable`` (K, n, n), clip and project the signs."""
        if self.masks is None:
            return
        value = variable * self.masks
        value = value - self.nonneg * keras.ops.minimum(value, 0.0)
        if self.signs is not None:
            value = value + self.dale * (self.signs * keras.ops.relu(self.signs * value) - value)
        variable.assign(value)


def _serialize(obj):
    return None if obj is None or isinstance(obj, str) else keras.saving.serialize_keras_object(obj)


def _deserialize(config):
    if config is None or isinstance(config, str):
        return config
    import sernn.constraints  # noqa: F401  (registers the package's serializable classes)
    import sernn.initializers  # noqa: F401
    import sernn.regularizers  # noqa: F401

    return keras.saving.deserialize_keras_object(config)


def _is_part(key: str) -> bool:
    """Whether a member's entry is a Keras object (regulariser, constraint, initializer)."""
    return key.startswith(("recurrent_", "kernel_"))


def member_config(member: dict) -> dict:
    """A member as JSON-ready values: its Keras parts serialised (see :func:`member_from_config`).

    Examples
    --------
    >>> from sernn.population_members import member_config, member_from_config
    >>> from sernn.regularizers import SpatialL1
    >>> config = member_config({"seed": 3, "recurrent_regularizer": SpatialL1(0.2)})
    >>> config["recurrent_regularizer"]["class_name"]
    'SpatialL1'
    >>> member_from_config(config)["recurrent_regularizer"].strength
    0.2
    """
    return {key: (_serialize(value) if _is_part(key) else value) for key, value in member.items()}


def member_from_config(config: dict) -> dict:
    """The member that :func:`member_config` wrote.

    Examples
    --------
    >>> from sernn.population_members import member_config, member_from_config
    >>> import keras
    >>> member = member_from_config(member_config({"seed": 3, "noise": 0.0,
    ...                                            "recurrent_regularizer": keras.regularizers.L2(0.5)}))
    >>> member["seed"], member["noise"], member["recurrent_regularizer"].l2
    (3, 0.0, 0.5)
    """
    return {key: (_deserialize(value) if _is_part(key) else value) for key, value in config.items()}
