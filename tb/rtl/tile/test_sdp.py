# amaranth: UnusedElaboratable=no
"""SDP X1 (rtl/tile/sdp.py) on Amaranth's simulator against sim/tile_ref.py ``sdp_x1``."""

import threading

import numpy as np
import pytest
from amaranth.sim import Simulator

from simtlab.rtl.tile.sdp import SDP, AluAlgo, SDPOperand
from simtlab.sim.tile_ref import sdp_x1


async def send_atoms(ctx, stream, atoms, *, rand, gap, log, cycle):
    """Offer ``atoms`` on ``stream`` one after another, idling a cycle while ``rand() < gap``;
    append to ``log`` the cycle each one is taken. Returns the cycle count after the last one."""
    for atom in atoms:
        while rand() < gap:
            ctx.set(stream.valid, 0)
            await ctx.tick()
            cycle += 1
        ctx.set(stream.valid, 1)
        ctx.set(stream.p, atom)
        while True:
            *_, ready = await ctx.tick().sample(stream.ready)
            cycle += 1
            if ready:
                log.append(cycle)
                break
    ctx.set(stream.valid, 0)
    return cycle


def run_simulation(sim):
    """``sim.run()`` on a fresh thread.

    Python 3.11 keeps frames in 16 KiB data-stack chunks; pysim's generated step function has a big
    frame, and at pytest's call depth it no longer fits the current chunk, so every call mmaps and
    munmaps a new chunk (10x slower, mostly system time). A fresh thread starts with an empty chunk.
    """
    errors = []

    def target():
        try:
            sim.run()
        except BaseException as exc:        # re-raised on the calling thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def to_atoms(cube, atom):
    """(C, H, W) -> list of atoms (lists of ``atom`` ints) in feature order, zero-padded channels."""
    c, h, w = cube.shape
    surfaces = -(-c // atom)
    padded = np.zeros((surfaces * atom, h, w), dtype=np.int64)
    padded[:c] = cube
    return [[int(v) for v in padded[s * atom:(s + 1) * atom, y, x]]
            for s in range(surfaces) for y in range(h) for x in range(w)]


def from_atoms(atoms, c, h, w, atom):
    """Inverse of :func:`to_atoms`; also returns the padding lanes (which must be 0)."""
    surfaces = -(-c // atom)
    arr = np.array(atoms, dtype=np.int64).reshape(surfaces, h, w, atom).transpose(0, 3, 1, 2)
    arr = arr.reshape(surfaces * atom, h, w)
    return arr[:c], arr[c:]


def run_sdp(dut, cube, cfg, *, rng=None, gap=0.0, stall=0.0, params=None):
    """Run one layer; returns (output atoms, counters dict, done cycles, accept/offer cycles)."""
    c, h, w = cube.shape
    atoms = to_atoms(cube, dut.atom_k)
    out, res, log = [], {}, {"in": [], "out": [], "done": []}
    rand = (lambda: rng.random()) if rng is not None else (lambda: 1.0)

    # Both sides count clock edges from the start of the simulation; a transfer is logged with
    # the edge that completes it.
    async def producer(ctx):
        cycle = 0
        for operand, values in (params or {}).items():
            for ch, v in enumerate(values):
                ctx.set(dut.param.valid, 1)
                ctx.set(dut.param.p.operand, operand)
                ctx.set(dut.param.p.channel, ch)
                ctx.set(dut.param.p.value, int(v))
                await ctx.tick()
                cycle += 1
        ctx.set(dut.param.valid, 0)
        ctx.set(dut.cfg, dict(cfg, width=w - 1, height=h - 1, channel=c - 1))
        ctx.set(dut.start, 1)
        await ctx.tick()
        cycle += 1
        ctx.set(dut.start, 0)
        cycle = await send_atoms(ctx, dut.i, atoms, rand=rand, gap=gap, log=log["in"],
                                 cycle=cycle)

    async def consumer(ctx):
        cycle = 0
        while len(out) < len(atoms):
            ready = rand() >= stall
            ctx.set(dut.o.ready, ready)
            *_, valid, payload, done = await ctx.tick().sample(dut.o.valid, dut.o.p, dut.done)
            cycle += 1
            if done:
                log["done"].append(cycle)
            if valid and ready:
                out.append([int(v) for v in payload])
                log["out"].append(cycle)
        ctx.set(dut.o.ready, 1)
        for _ in range(6):
            *_, done = await ctx.tick().sample(dut.done)
            if done:
                log["done"].append(cycle)
        for name in ("out_saturation", "alu_saturation", "mul_saturation", "busy", "i.ready"):
            sig = dut.i.ready if name == "i.ready" else getattr(dut, name)
            res[name] = ctx.get(sig)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(producer, background=True)
    sim.add_testbench(consumer)
    run_simulation(sim)
    return out, res, log


def check(dut, cube, cfg, ref_kw, out, res, log):
    c, h, w = cube.shape
    got, pad = from_atoms(out, c, h, w, dut.atom_k)
    want, stats = sdp_x1(cube, **ref_kw)
    np.testing.assert_array_equal(got, want)
    # Lanes past C compute on their 0 inputs with their operands (table entries never written: 0),
    # as NVDLA's datapath does; their saturations are not counted.
    def zeros(kw):
        return {key: (np.zeros(len(pad), np.int64) if isinstance(v, np.ndarray) else v)
                for key, v in kw.items()}
    pad_kw = zeros(ref_kw)
    if ref_kw.get("bn"):
        pad_kw["bn"] = zeros(ref_kw["bn"])
    want_pad, _ = sdp_x1(np.zeros_like(pad), **pad_kw) if len(pad) else (pad, None)
    np.testing.assert_array_equal(pad, want_pad, err_msg="lanes past C of the last surface")
    assert res["out_saturation"] == stats["out_sat"]
    assert res["alu_saturation"] == stats["alu_sat"]
    assert res["mul_saturation"] == stats["mul_sat"]
    assert len(log["done"]) == 1 and log["done"][0] == log["out"][-1]
    assert res["busy"] == 0 and res["i.ready"] == 0
    return stats


def _stage_cfg(prefix, *, bypass=0, alu=None, alu_algo="sum", alu_shift=0, mul=None,
               mul_shift=0, prelu=False, relu=False):
    """One X1 (``bs``) or X2 (``bn``) stage's ``cfg`` fields and per-channel tables."""
    algo = {"sum": AluAlgo.SUM, "max": AluAlgo.MAX, "min": AluAlgo.MIN}[alu_algo]
    p = prefix
    cfg = {f"{p}_bypass": bypass, f"{p}_alu_bypass": int(alu is None), f"{p}_alu_algo": algo,
           f"{p}_alu_shift_value": alu_shift, f"{p}_mul_bypass": int(mul is None),
           f"{p}_mul_prelu": int(prelu), f"{p}_mul_shift_value": mul_shift,
           f"{p}_relu_bypass": int(not relu), f"{p}_alu_src": 0, f"{p}_mul_src": 0,
           f"{p}_alu_operand": 0, f"{p}_mul_operand": 0}
    tables = {"bs": (SDPOperand.ALU, SDPOperand.MUL), "bn": (SDPOperand.BN_ALU, SDPOperand.BN_MUL)}
    params = {}
    for kind, value, op in (("alu", alu, tables[p][0]), ("mul", mul, tables[p][1])):
        if value is None:
            continue
        if np.ndim(value):
            cfg[f"{p}_{kind}_src"] = 1
            params[op] = list(value)
        else:
            cfg[f"{p}_{kind}_operand"] = int(value)
    return cfg, params


def _cfg(*, bypass=0, alu=None, alu_algo="sum", alu_shift=0, mul=None, mul_shift=0, prelu=False,
         relu=False, bn=None, cvt_offset=0, cvt_scale=1, cvt_shift=0):
    """``cfg`` fields and (per-channel tables) for the same arguments as ``sdp_x1``."""
    cfg, params = _stage_cfg("bs", bypass=bypass, alu=alu, alu_algo=alu_algo, alu_shift=alu_shift,
                             mul=mul, mul_shift=mul_shift, prelu=prelu, relu=relu)
    x2_cfg, x2_params = _stage_cfg("bn", **(bn or {"bypass": 1}))
    cfg.update(x2_cfg, cvt_offset=cvt_offset, cvt_scale=cvt_scale, cvt_shift=cvt_shift)
    params.update(x2_params)
    ref = dict(alu=alu, alu_algo=alu_algo, alu_shift=alu_shift, mul=mul, mul_shift=mul_shift,
               prelu=prelu, relu=relu, bn=bn, cvt_offset=cvt_offset, cvt_scale=cvt_scale,
               cvt_shift=cvt_shift)
    if bypass:
        ref.update(alu=None, mul=None, mul_shift=0, relu=False)
    return cfg, params, ref


def test_sdp_3x3x33_bs(rng):
    """Per-channel bias and scale, ReLU, 33 channels (a partial last surface), backpressure."""
    dut = SDP(atom_k=8, max_channels=64)
    cube = rng.integers(-(1 << 20), 1 << 20, size=(33, 3, 3))
    cfg, params, ref = _cfg(alu=rng.integers(-(1 << 15), 1 << 15, size=33), alu_shift=3,
                            mul=rng.integers(-(1 << 15), 1 << 15, size=33), mul_shift=20,
                            relu=True, cvt_offset=int(rng.integers(-500, 500)), cvt_scale=97,
                            cvt_shift=9)
    out, res, log = run_sdp(dut, cube, cfg, params=params, rng=rng, gap=0.3, stall=0.4)
    stats = check(dut, cube, cfg, ref, out, res, log)
    assert stats["out_sat"] > 0


def test_sdp_x2_batch_norm(rng):
    """X2 after X1: per-channel X2 bias and scale (its own tables), PReLU in X1, ReLU in X2,
    20 channels; X1's MUL_SHIFT applies with its multiplier bypassed (NVDLA)."""
    dut = SDP(atom_k=8, max_channels=64)
    cube = rng.integers(-(1 << 22), 1 << 22, size=(20, 3, 4))
    bn = dict(alu=rng.integers(-(1 << 15), 1 << 15, size=20), alu_shift=2,
              mul=rng.integers(-(1 << 12), 1 << 12, size=20), mul_shift=13, relu=True)
    cfg, params, ref = _cfg(alu=-4000, alu_shift=1, mul_shift=3, bn=bn, cvt_offset=11,
                            cvt_scale=7, cvt_shift=6)
    out, res, log = run_sdp(dut, cube, cfg, params=params, rng=rng, gap=0.2, stall=0.3)
    stats = check(dut, cube, cfg, ref, out, res, log)
    assert stats["out_sat"] > 0
    # The truncation with the multiplier bypassed changes the result.
    no_shift, _ = sdp_x1(cube, **dict(ref, mul_shift=0))
    assert not np.array_equal(no_shift, sdp_x1(cube, **ref)[0])


def test_sdp_x2_per_layer_prelu(rng):
    """X1 bypassed, X2 alone with per-layer operands: max ALU, PReLU multiplier."""
    dut = SDP(atom_k=8, max_channels=8)
    cube = rng.integers(-(1 << 20), 1 << 20, size=(8, 2, 5))
    bn = dict(alu=-300, alu_algo="max", alu_shift=4, mul=-77, mul_shift=5, prelu=True)
    cfg, params, ref = _cfg(bypass=1, bn=bn, cvt_scale=3, cvt_shift=8)
    out, res, log = run_sdp(dut, cube, cfg, params=params)
    check(dut, cube, cfg, ref, out, res, log)


def test_sdp_bs_reg_latency_throughput(rng):
    """Per-layer operands; no backpressure: latency 6 and one atom per cycle."""
    dut = SDP(atom_k=8, max_channels=8)
    cube = rng.integers(-(1 << 31), 1 << 31, size=(16, 4, 5))
    cfg, params, ref = _cfg(alu=-12345, alu_shift=12, mul=-3001, mul_shift=11, cvt_offset=-7,
                            cvt_scale=-300, cvt_shift=17)
    out, res, log = run_sdp(dut, cube, cfg, params=params)
    stats = check(dut, cube, cfg, ref, out, res, log)
    assert stats["alu_sat"] and stats["mul_sat"] and stats["out_sat"]
    assert log["in"] == list(range(2, len(log["in"]) + 2))     # start at edge 1, then every edge
    assert log["out"] == [t + SDP.latency for t in log["in"]]


@pytest.mark.parametrize("mode", ["prelu_channel", "prelu_reg", "relu_min", "max_shift"])
def test_sdp_relu_prelu_algos(rng, mode):
    dut = SDP(atom_k=4, max_channels=16)
    cube = rng.integers(-(1 << 24), 1 << 24, size=(11, 2, 3))
    kw = {
        "prelu_channel": dict(mul=rng.integers(-(1 << 15), 1 << 15, size=11), mul_shift=14,
                              prelu=True, cvt_shift=16),
        "prelu_reg": dict(alu=rng.integers(-(1 << 15), 1 << 15, size=11), mul=13107,
                          mul_shift=16, prelu=True, relu=True, cvt_scale=3, cvt_shift=18),
        "relu_min": dict(alu=700, alu_algo="min", alu_shift=14, relu=True, cvt_shift=20),
        "max_shift": dict(alu=rng.integers(-(1 << 15), 1 << 15, size=11), alu_algo="max",
                          alu_shift=9, mul=-32768, mul_shift=63, cvt_offset=1 << 30,
                          cvt_scale=-32768, cvt_shift=63),
    }[mode]
    cfg, params, ref = _cfg(**kw)
    out, res, log = run_sdp(dut, cube, cfg, params=params, rng=rng, gap=0.2, stall=0.2)
    check(dut, cube, cfg, ref, out, res, log)


@pytest.mark.parametrize("bypass, alu, mul, relu", [(1, True, True, True), (0, False, True, False),
                                                    (0, True, False, True), (0, False, False, False)])
def test_sdp_bypass_combinations(rng, bypass, alu, mul, relu):
    dut = SDP(atom_k=8, max_channels=16)
    cube = rng.integers(-(1 << 16), 1 << 16, size=(9, 2, 2))
    cfg, params, ref = _cfg(bypass=bypass, alu=rng.integers(-999, 999, size=9) if alu else None,
                            mul=rng.integers(-999, 999, size=9) if mul else None, mul_shift=4,
                            relu=relu, cvt_offset=50, cvt_scale=5, cvt_shift=9)
    out, res, log = run_sdp(dut, cube, cfg, params=params, rng=rng, stall=0.3)
    check(dut, cube, cfg, ref, out, res, log)


def test_sdp_converter_saturation_and_halves(rng):
    """Exact halves round away from zero; saturation at both ends is counted."""
    dut = SDP(atom_k=8, max_channels=8)
    vals = np.array([-6, -5, -3, -2, -1, 0, 1, 2, 3, 5, 6, 255, 256, 257, -255, -256, -257,
                     1 << 30, -(1 << 30), (1 << 31) - 1, -(1 << 31), 510, 511, -511])
    cube = np.resize(vals, (8, 3, 1)).astype(np.int64)
    for scale, shift in ((1, 1), (1, 2), (-1, 1), (3, 0)):
        cfg, params, ref = _cfg(cvt_scale=scale, cvt_shift=shift)
        out, res, log = run_sdp(dut, cube, cfg, params=params)
        stats = check(dut, cube, cfg, ref, out, res, log)
        assert stats["out_sat"] > 0


def test_sdp_parameter_errors():
    with pytest.raises(TypeError, match="atom_k must be an integer, not '8'"):
        SDP(atom_k="8")
    with pytest.raises(ValueError, match="atom_k must be a power of two from 2 to 64, not 6"):
        SDP(atom_k=6)
    with pytest.raises(ValueError, match=r"max_channels must be a multiple of atom_k \(8\)"):
        SDP(atom_k=8, max_channels=12)
