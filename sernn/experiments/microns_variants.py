"""The MICrONS study's variants: their grammar, and the Keras parts each one builds.

Variants are written as tokens joined by ``+``:

============  ======================================================================
token         meaning
============  ======================================================================
``W``         orthogonal recurrent init (the default when no init token is given)
``W*``        functional init: lognormal ⊙ minmax(corr) ⊙ minmax(STTC) (needs traces)
``W!``        the same, permuted (control; needs traces): off-diagonal entries shuffled,
              or with ``permutation="neurons"`` the published code's relabelling
``W*prec``    functional init from the precision matrix and STTC (the study's precision arm)
``W*sttc``    functional init from STTC alone (the study's STTC-only arm)
``Wlog``      log-normal init scaled as W* is, without recorded relations (matched-scale control)
``S``         synapse init: EM synapse counts as weights (needs synapses)
``D``         distance penalty with grid positions (``SpatialL1``)
``D*``        distance penalty with real soma positions
``C``         the seRNN communicability term (with ``D``/``D*``: ``SpatialCommunicability``;
              alone: ``Communicability``)
``C*``        distance penalty + matching of the communicability distribution to the
              EM connectome's (``CommunicabilityMatching``; needs ``D`` or ``D*``, synapses)
``L1``        an L1 penalty on the recurrent weights (the study's baseline "W" has one)
``M``         EM wiring mask: only connections with a synapse exist (needs synapses)
``P``         positive-only recurrence
============  ======================================================================

e.g. ``W*+D*+C*`` or ``S+M+P``. The settings that shape the parts (``normalization``, ``grid``,
``coordinates``, ``l1_strength``, ``functional_recipe``, ``permutation``) are those of
:class:`~sernn.experiments.microns_settings.MicronsSettings`. Tasks: ``maze``, ``go_nogo``, ``perceptual_decision``.

Above :data:`LARGE_UNITS` units a variant takes the large-network path
(:func:`large_path`; docs/large_networks.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["TOKENS", "Variant", "parse_variant", "grid_for", "LARGE_UNITS", "SPARSE_DENSITY", "large_path",
           "build_parts", "penalty_coordinates", "sparse_layer"]

#: Variant tokens and what they need from the data.
TOKENS = {"W": None, "W*": "traces", "W!": "traces", "S": "synapses", "Wlog": None, "W*prec": "precision",
          "W*sttc": "traces", "D": None, "D*": None, "C": None, "C*": "synapses", "L1": None, "M": "synapses",
          "P": None}
_INITS = ("W", "W*", "W!", "S", "Wlog", "W*prec", "W*sttc")
_SLUGS = {"W*": "Wfun", "W!": "Wperm", "D*": "Dreal", "C*": "Cmatch", "W*prec": "Wfunprec", "W*sttc": "Wfunsttc"}

@dataclass(frozen=True)
class Variant:
    """A parsed variant name."""

    name: str
    init: str
    distance: str | None  # None, "D" or "D*"
    communicability: str | None  # None, "C" or "C*"
    mask: bool
    positive: bool
    l1: bool = False

    @property
    def needs(self) -> set:
        """Data this variant needs beyond positions: subsets of ``{"traces", "synapses", "precision"}``."""
        tokens = [self.init, self.distance, self.communicability, "M" if self.mask else None]
        return {TOKENS[t] for t in tokens if t and TOKENS[t]}

    @property
    def slug(self) -> str:
        """File-name-safe form (``W*+D*+C*`` -> ``Wfun+Dreal+Cmatch``)."""
        return "+".join(_SLUGS.get(t, t) for t in self.name.split("+"))


def parse_variant(name: str) -> Variant:
    """Parse ``"W*+D*+C*"`` and the like; raise ValueError naming a bad token."""
    tokens = [t.strip() for t in str(name).split("+") if t.strip()]
    if not tokens:
        raise ValueError(f"variant: empty variant name {name!r}")
    unknown = [t for t in tokens if t not in TOKENS]
    if unknown:
        raise ValueError(f"variant {name!r}: unknown token(s) {unknown}; accepted: {', '.join(TOKENS)}")
    if len(set(tokens)) != len(tokens):
        raise ValueError(f"variant {name!r} repeats a token")
    inits = [t for t in tokens if t in _INITS]
    distances = [t for t in tokens if t in ("D", "D*")]
    comms = [t for t in tokens if t in ("C", "C*")]
    for group, label in ((inits, "initialisation (W, W*, W!, S)"), (distances, "distance (D, D*)"),
                         (comms, "communicability (C, C*)")):
        if len(group) > 1:
            raise ValueError(f"variant {name!r} has more than one {label} token")
    if comms == ["C*"] and not distances:
        raise ValueError(f"variant {name!r}: C* is a distance penalty plus matching; add D or D*")
    if "L1" in tokens and (distances or comms):
        raise ValueError(f"variant {name!r}: L1 is a penalty of its own; it cannot be combined with D, D*, C or C*")
    canonical = "+".join(t for t in TOKENS if t in tokens)
    return Variant(name=canonical, init=(inits or ["W"])[0], distance=(distances or [None])[0],
                   communicability=(comms or [None])[0], mask="M" in tokens, positive="P" in tokens,
                   l1="L1" in tokens)


def grid_for(n: int, shape=None) -> np.ndarray:
    """Grid positions for ``n`` units: the first ``n`` points of the grid ``shape`` when given (e.g. the
    study's 12 x 13 x 2 for 312 units), else the paper's 5 x 5 x 4 grid at n = 100, else the first ``n``
    points of a near-cubic grid."""
    from sernn.spatial import DEFAULT_GRID, grid_coordinates

    if shape is not None:
        if int(np.prod(shape)) < n:
            raise ValueError(f"grid: {' x '.join(map(str, shape))} has {int(np.prod(shape))} points for {n} units; "
                             "give a grid with at least as many points as units")
        return grid_coordinates(tuple(int(v) for v in shape))[:n]
    if n == int(np.prod(DEFAULT_GRID)):
        return grid_coordinates(DEFAULT_GRID)
    side = math.ceil(round(n ** (1.0 / 3.0), 9))
    depth = math.ceil(n / (side * side))
    return grid_coordinates((side, side, depth))[:n]


#: Above this many units the large-network path is taken: communicability penalties are estimated
#: (``method="estimate"``, 48 probes), distance penalties are summed on the support of W
#: (``method="sparse"``), masked variants (``M``) of <= :data:`SPARSE_DENSITY` density use
#: :class:`sernn.layers.SparseMaskedRNN`, and runs train one at a time (``--trainer fit``).
LARGE_UNITS = 1000
#: Masks at or below this density train with the sparse masked layer on the large-network path.
SPARSE_DENSITY = 0.05


def large_path(n: int) -> bool:
    """Whether a network of ``n`` units takes the large-network path (``n > LARGE_UNITS``)."""
    return n > LARGE_UNITS


def penalty_coordinates(variant: Variant, data, settings: dict):
    """Unit positions of a variant's distance term: the grid (``D``), the neurons' positions as
    ``settings["coordinates"]`` names them (``D*``), or None."""
    n = data.coordinates.shape[0]
    if variant.distance == "D":
        return grid_for(n, settings.get("grid"))
    if variant.distance != "D*":
        return None
    choice = settings.get("coordinates", "micrometres")
    if choice == "micrometres":
        return data.coordinates
    if choice == "minmax":
        low, high = data.coordinates.min(axis=0), data.coordinates.max(axis=0)
        return (data.coordinates - low) / np.where(high > low, high - low, 1.0)
    if getattr(data, "published_coordinates", None) is None:
        raise ValueError("coordinates 'published-code' needs the stored voxel positions of a field folder (--field)")
    return data.published_coordinates


def _initializer(variant: Variant, data, settings: dict, seed: int):
    from sernn.initializers import FunctionalInitializer, ScaledLognormalInitializer, SynapseInitializer

    recipe = settings.get("functional_recipe", "pairs")
    if variant.init == "W":
        return "orthogonal"
    if variant.init == "S":
        return SynapseInitializer(data.wiring)
    if variant.init == "Wlog":
        return ScaledLognormalInitializer(seed=seed, self_connections=recipe == "published-code")
    first = {"W*prec": data.precision, "W*sttc": None}.get(variant.init, data.correlation)
    permute = settings.get("permutation", "entries") if variant.init == "W!" else None
    return FunctionalInitializer(first, data.sttc, seed=seed, permute=permute, recipe=recipe)


def build_parts(variant: Variant, data, settings: dict, seed: int, scale: float = 1.0):
    """(recurrent initializer, regulariser, constraint) of a variant.

    ``settings["strengths"]`` gives the strengths; each is multiplied by ``scale``. Above
    :data:`LARGE_UNITS` units the penalties take their large-network methods.
    """
    import keras

    from sernn.constraints import MaskConstraint
    from sernn.regularizers import (Communicability, CommunicabilityMatching, SpatialCommunicability,
                                    SpatialL1)

    n = data.coordinates.shape[0]
    large = {"method": "estimate", "seed": seed} if large_path(n) else {}
    strengths = {key: value * scale for key, value in settings["strengths"].items()}
    normalization = {"size": "size", "none": None}[settings.get("normalization", "size")]
    initializer = _initializer(variant, data, settings, seed)
    coordinates = penalty_coordinates(variant, data, settings)
    regularizer = None
    if variant.l1:
        # the published L1 class returns sum |W| and never multiplies by its strength
        published = settings.get("l1_strength", "stated") == "published-code"
        regularizer = keras.regularizers.L1(scale * 1.0 if published else strengths.get("l1", 0.3 * scale))
    elif variant.communicability == "C*":
        regularizer = CommunicabilityMatching(strengths["spatial"], data.wiring,
                                              matching_strength=strengths["matching"],
                                              coordinates=coordinates, normalization=normalization)
    elif variant.communicability == "C" and coordinates is not None:
        regularizer = SpatialCommunicability(strengths["sernn"], coordinates=coordinates,
                                             normalization=normalization, **large)
    elif variant.communicability == "C":
        regularizer = Communicability(strengths["communicability"], normalization=normalization, **large)
    elif coordinates is not None:
        regularizer = SpatialL1(strengths["spatial"], coordinates=coordinates, normalization=normalization,
                                **({"method": "sparse"} if large else {}))
    constraint = None
    if variant.mask or variant.positive:
        mask = data.wiring > 0 if variant.mask else np.ones((n, n), dtype=bool)
        constraint = MaskConstraint(mask, nonneg=variant.positive)
    if settings.get("dale") is not None:
        initializer, constraint = dale_parts(variant, initializer, constraint, settings["dale"], n, seed)
    return initializer, regularizer, constraint


def dale_parts(variant: Variant, initializer, constraint, fraction: float, n: int, seed: int):
    """A variant's initializer and constraint under Dale's law (``fraction`` excitatory, drawn with ``seed``).

    Random initial weights (W) become balanced E/I weights; initial weights that carry
    information (recorded function, synapses) keep their magnitudes and take their
    unit's sign (:class:`sernn.initializers.SignedInitializer`); a wiring mask stays.
    """
    from sernn.initializers.dale import dale_recurrent

    if variant.positive:
        raise ValueError(f"variants {variant.name}: P (non-negative weights) cannot be combined with dale "
                         "(Dale's inhibitory units have negative weights)")
    mask = None if constraint is None else constraint.mask
    kept = None if isinstance(initializer, str) and initializer == "orthogonal" else initializer
    return dale_recurrent(fraction, units=n, mask=mask, seed=seed, initializer=kept)


def sparse_layer(variant: Variant, n: int, constraint) -> bool:
    """Whether a variant of ``n`` units trains with the sparse masked layer: on the large-network path, with
    a wiring mask of at most :data:`SPARSE_DENSITY` density and no C* (whose matching needs a dense kernel)."""
    from sernn.constraints import MaskConstraint

    if not isinstance(constraint, MaskConstraint):  # (a DaleConstraint trains the dense layer)
        return False
    return (large_path(n) and variant.mask and constraint.density <= SPARSE_DENSITY
            and variant.communicability != "C*")
