"""Keras regularizers for biologically constrained recurrent kernels.

All are :class:`keras.regularizers.Regularizer` subclasses registered as
serializable (package ``"sernn"``), so a model that uses them round-trips
through ``model.save`` / ``keras.models.load_model``.
"""
from sernn.regularizers.matching import CommunicabilityMatching
from sernn.regularizers.spatial import Communicability, SpatialCommunicability, SpatialL1

__all__ = ["SpatialCommunicability", "SpatialL1", "Communicability", "CommunicabilityMatching"]
