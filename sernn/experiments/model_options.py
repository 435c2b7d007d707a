"""Dale's law and leaky continuous-time units as options of a sweep (``dale``, ``tau``, ``dt``, ``recurrent_noise``).

Every benchmark that offers them declares the same four settings fields
(:data:`MODEL_FIELDS`), checks them with :func:`check_model_options` and builds its
networks' shared architecture with :func:`cell_options`. ``dale`` itself acts per
network (its signs are drawn with the run's seed): see
:func:`sernn.initializers.dale_recurrent`.
"""
from __future__ import annotations

from sernn.experiments.settings import option, real

__all__ = ["MODEL_FIELDS", "model_fields", "check_model_options", "cell_options"]

#: The settings fields, in the order of the command-line options.
MODEL_FIELDS = ("dale", "tau", "dt", "recurrent_noise")


def model_fields() -> dict:
    """The four fields' declarations (:func:`~sernn.experiments.settings.option`), by name; every default is
    None and left out of ``settings.json``, so folders written before them resume unchanged.

    Examples
    --------
    >>> sorted(model_fields()) == sorted(MODEL_FIELDS)
    True
    """
    return {"dale": option(None, real(low=0, high=1, inclusive="neither"), omit_none=True),
            "tau": option(None, real(low=0, inclusive="neither"), omit_none=True),
            "dt": option(None, real(low=0, inclusive="neither"), omit_none=True),
            "recurrent_noise": option(None, real(low=0), omit_none=True)}


def check_model_options(settings, *, dt_alone: str | None = None) -> None:
    """Leaky units need ``tau`` and ``dt`` with ``dt <= tau``; ``recurrent_noise`` needs ``tau``.

    ``dt_alone``: why ``dt`` without ``tau`` is allowed (e.g. a task's time step), or None to refuse it.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> check_model_options(SimpleNamespace(tau=100.0, dt=20.0, recurrent_noise=None, dale=0.8))
    >>> check_model_options(SimpleNamespace(tau=10.0, dt=20.0, recurrent_noise=None, dale=None))
    Traceback (most recent call last):
    ...
    ValueError: dt must be <= tau (alpha = dt / tau must be in (0, 1]); got dt=20.0, tau=10.0
    """
    from sernn.leaky import _check_time_constants

    if settings.recurrent_noise and settings.tau is None:
        raise ValueError("recurrent_noise needs tau (it is the noise of leaky units)")
    if settings.tau is not None:
        if settings.dt is None:
            raise ValueError("tau needs dt (the time step of the leaky units, in the units of tau, e.g. ms)")
        _check_time_constants(settings.tau, settings.dt)
    elif settings.dt is not None and dt_alone is None:
        raise ValueError("dt needs tau (dt is the time step of leaky units, whose time constant is tau)")


def cell_options(settings: dict) -> dict:
    """The keyword arguments of ``build_sernn`` / ``Population`` for a folder's stored settings.

    Examples
    --------
    >>> cell_options({"tau": 100.0, "dt": 20.0, "recurrent_noise": 0.05})
    {'cell': 'leaky', 'tau': 100.0, 'dt': 20.0, 'recurrent_noise': 0.05}
    >>> cell_options({"units": 100})
    {}
    """
    if settings.get("tau") is None:
        return {}
    return {"cell": "leaky", "tau": float(settings["tau"]), "dt": float(settings["dt"]),
            "recurrent_noise": float(settings.get("recurrent_noise") or 0.0)}
