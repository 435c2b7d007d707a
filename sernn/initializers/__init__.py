"""Keras initializers that carry biological structure into a recurrent kernel.

Each initializer is a small :class:`keras.initializers.Initializer` subclass,
registered as serializable, so models that use it save and load.
"""
from sernn.initializers.connectome import ConnectomeInitializer, connectome_recurrent
from sernn.initializers.dale import BalancedEIInitializer, SignedInitializer, dale_recurrent
from sernn.initializers.functional import FunctionalInitializer, ScaledLognormalInitializer, SynapseInitializer
from sernn.initializers.masked import MaskedInitializer

__all__ = ["ConnectomeInitializer", "connectome_recurrent", "MaskedInitializer",
           "FunctionalInitializer", "SynapseInitializer", "ScaledLognormalInitializer",
           "BalancedEIInitializer", "SignedInitializer", "dale_recurrent"]
