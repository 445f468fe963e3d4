"""simtlab's hardware, in Amaranth 0.5: the core (core/), the memory bus (mem/) and the top (soc/)."""

__all__ = [
    "generate_verilog",
]


def generate_verilog(config):
    """Verilog text of the device for ``config``; the top module is ``simtlab_top``."""
    from amaranth.back import verilog
    from .soc.top import SimtTop

    top = SimtTop(config)
    return verilog.convert(top, name="simtlab_top", emit_src=False)
