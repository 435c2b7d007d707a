"""Keras initializers that carry biological structure into a recurrent kernel.

Each initializer is a small :class:`keras.initializers.Initializer` subclass,
registered as serializable, so models that use it save and load.
"""
__all__ = []
