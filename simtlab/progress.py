"""Progress bars for the long steps (model builds, long runs), on tqdm.

:func:`bar` is the one way simtlab shows progress: a tqdm bar on stderr that appears only once a step
has taken :data:`DELAY` seconds (short steps print nothing), disabled entirely with ``enabled=False``
(the CLI's ``-q``). It lives beside the caches so that both ``sim/build.py`` and the driver use it.
"""

from tqdm import tqdm

__all__ = ["bar", "DELAY"]

#: Seconds a step runs before its bar appears.
DELAY = 1.0


def bar(*, total=None, desc, unit="it", enabled=True, unit_scale=False, bar_format=None):
    """A tqdm bar (a context manager with ``update(n)``, ``set_postfix_str``, ``refresh``)."""
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, disable=not enabled,
                delay=DELAY, leave=False, dynamic_ncols=True, bar_format=bar_format)
