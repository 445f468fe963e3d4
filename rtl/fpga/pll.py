"""An ECP5 PLL (EHXPLLL) making the SoC's clock from a board oscillator."""

from amaranth import *
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "PllSettings",
    "pll_settings",
    "Ecp5Pll",
]

# Lattice's limits for the EHXPLLL (ECP5 family data sheet): input, phase-detector and VCO ranges.
_IN_HZ = (8e6, 400e6)
_PFD_HZ = (3.125e6, 400e6)
_VCO_HZ = (400e6, 800e6)
_OUT_HZ = (3.125e6, 400e6)


class PllSettings:
    """Dividers of one EHXPLLL setting: ``out = in / refdiv * fbdiv`` and ``vco = out * opdiv``
    (feedback from CLKOP)."""

    def __init__(self, in_hz, refdiv, fbdiv, opdiv):
        self.in_hz, self.refdiv, self.fbdiv, self.opdiv = in_hz, refdiv, fbdiv, opdiv

    @property
    def out_hz(self):
        return self.in_hz / self.refdiv * self.fbdiv

    @property
    def vco_hz(self):
        return self.out_hz * self.opdiv

    def __repr__(self):
        return (f"PllSettings(in {self.in_hz / 1e6:g} MHz, refdiv {self.refdiv}, fbdiv {self.fbdiv}, "
                f"opdiv {self.opdiv}: out {self.out_hz / 1e6:.4g} MHz, vco {self.vco_hz / 1e6:.4g} MHz)")


def pll_settings(in_hz, out_hz):
    """The dividers giving the output frequency closest to ``out_hz`` (the highest VCO among
    equals); ValueError outside the PLL's ranges."""
    if not _IN_HZ[0] <= in_hz <= _IN_HZ[1]:
        raise ValueError(f"PLL input must be {_IN_HZ[0] / 1e6:g}..{_IN_HZ[1] / 1e6:g} MHz, "
                         f"not {in_hz / 1e6:g} MHz")
    if not _OUT_HZ[0] <= out_hz <= _OUT_HZ[1]:
        raise ValueError(f"PLL output must be {_OUT_HZ[0] / 1e6:g}..{_OUT_HZ[1] / 1e6:g} MHz, "
                         f"not {out_hz / 1e6:g} MHz")
    best = None
    for refdiv in range(1, 129):
        pfd = in_hz / refdiv
        if not _PFD_HZ[0] <= pfd <= _PFD_HZ[1]:
            continue
        for fbdiv in range(1, 81):
            out = pfd * fbdiv
            for opdiv in range(1, 129):
                if not _VCO_HZ[0] <= out * opdiv <= _VCO_HZ[1]:
                    continue
                key = (abs(out - out_hz), -out * opdiv)
                if best is None or key < best[0]:
                    best = key, PllSettings(in_hz, refdiv, fbdiv, opdiv)
    if best is None:
        raise ValueError(f"no EHXPLLL setting makes {out_hz / 1e6:g} MHz from {in_hz / 1e6:g} MHz")
    return best[1]


class Ecp5Pll(wiring.Component):
    """One EHXPLLL, output CLKOP fed back to itself.

    Parameters
    ----------
    in_hz, out_hz : float
        The oscillator's and the wanted frequency (:func:`pll_settings` picks the closest).

    Members
    -------
    clk_in : In(1)
        The oscillator.
    clk_out : Out(1)
        The made clock, :attr:`settings` ``.out_hz``.
    locked : Out(1)
        The PLL's LOCK output (asynchronous).
    """

    clk_in: In(1)
    clk_out: Out(1)
    locked: Out(1)

    def __init__(self, *, in_hz, out_hz):
        self._settings = pll_settings(in_hz, out_hz)
        super().__init__()

    @property
    def settings(self):
        return self._settings

    def elaborate(self, platform):
        m = Module()
        s = self._settings
        m.submodules.pll = Instance(
            "EHXPLLL",
            a_FREQUENCY_PIN_CLKI=f"{s.in_hz / 1e6:g}",
            a_FREQUENCY_PIN_CLKOP=f"{s.out_hz / 1e6:g}",
            a_ICP_CURRENT="12", a_LPF_RESISTOR="8",
            a_MFG_ENABLE_FILTEROPAMP="1", a_MFG_GMCREF_SEL="2",
            p_PLLRST_ENA="DISABLED", p_INTFB_WAKE="DISABLED", p_STDBY_ENABLE="DISABLED",
            p_DPHASE_SOURCE="DISABLED", p_OUTDIVIDER_MUXA="DIVA",
            p_CLKI_DIV=s.refdiv, p_CLKFB_DIV=s.fbdiv, p_FEEDBK_PATH="CLKOP",
            p_CLKOP_ENABLE="ENABLED", p_CLKOP_DIV=s.opdiv,
            # The output phase is a whole VCO period count: opdiv - 1 puts CLKOP's edge at 0 degrees.
            p_CLKOP_CPHASE=s.opdiv - 1, p_CLKOP_FPHASE=0,
            i_RST=0, i_STDBY=0, i_CLKI=self.clk_in, i_CLKFB=self.clk_out,
            i_PHASESEL0=0, i_PHASESEL1=0, i_PHASEDIR=1, i_PHASESTEP=1, i_PHASELOADREG=1,
            i_PLLWAKESYNC=0, i_ENCLKOP=0,
            o_CLKOP=self.clk_out, o_LOCK=self.locked,
        )
        return m
