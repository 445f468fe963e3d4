"""Constructor-parameter checks shared by the RTL blocks: TypeError for a wrong kind, ValueError
for a wrong value, each message naming the block, the parameter and the value."""

from ...config import Derived, SimtConfig

__all__ = [
    "check_int",
    "check_bool",
    "check_config",
    "check_derived",
]


def check_int(owner, name, value, low=None, high=None):
    """``value`` is an int (not a bool) in ``low..high`` (either bound may be ``None``)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{owner} {name} must be an integer, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (f"between {low} and {high}" if low is not None and high is not None
                  else f">= {low}" if low is not None else f"<= {high}")
        raise ValueError(f"{owner} {name} must be {bounds}, not {value!r}")
    return value


def check_bool(owner, name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{owner} {name} must be True or False, not {value!r}")
    return value


def check_config(owner, config):
    """``config`` is a :class:`~simtlab.config.SimtConfig` (its own constructor validated it)."""
    if not isinstance(config, SimtConfig):
        raise TypeError(f"{owner} config must be a SimtConfig, not {config!r}")
    return config


def check_derived(owner, derived):
    """``derived`` is a :class:`~simtlab.config.Derived` (``SimtConfig.derive()``)."""
    if not isinstance(derived, Derived):
        raise TypeError(f"{owner} derived must be the Derived of SimtConfig.derive(), "
                        f"not {derived!r}")
    return derived
