"""The tile driver's three steps on their own (drivers/tile_validate.py, tile_plan.py, tile_run.py):
checked layers, plans and the session, against the tile model's bench (simtlab.sim.tile_model.TileBench). test_tile_driver.py
covers the public API they make up."""

import numpy as np
import pytest

from simtlab.config import TileConfig
from simtlab.drivers.tile_plan import WEIGHT_ALIGN, Plan, plan
from simtlab.drivers.tile_run import TileSession
from simtlab.drivers.tile_validate import (ConvLayer, PoolLayer, SdpLayer, conv2d_layer, integer,
                                           pool2d_layer, sdp_layer, sequence_layers)

from simtlab.sim.tile_model import TileBench

from .test_tile_driver import int8

CFG = TileConfig()


def test_checked_layers(rng):
    x, w = int8(rng, (1, 8, 5, 6)), int8(rng, (4, 8, 3, 3))
    bias = np.array([1, 2, 3, 4]) << 16
    layer = conv2d_layer(CFG, x.astype(np.int32), w, bias, stride=(1, 2), padding=1,
                         relu=np.bool_(True), pool=dict(kernel=2))
    assert isinstance(layer, ConvLayer) and layer.x.dtype == np.int8
    assert layer.shape.stride == (1, 2) and layer.shape.padding == (1, 1, 1, 1)
    assert list(layer.bias) == [4096, 8192, 12288, 16384] and layer.bias_shift == 4
    assert layer.relu is True and layer.pool.out == (4, 2, 1) and layer.pool.mode == "max"
    assert isinstance(pool2d_layer(x, 3, 2, 1, "avg", pad_value=-3), PoolLayer)
    assert sdp_layer(x, bias=-5).bias == -5
    assert [type(c) for c in sequence_layers(CFG, [dict(op="sdp", x=x),
                                                   dict(op="pool2d", x=x, kernel=2)])] == \
        [SdpLayer, PoolLayer]
    assert integer(np.int16(7), "n") == 7
    with pytest.raises(TypeError, match="n must be an integer, not True"):
        integer(True, "n")
    with pytest.raises(TypeError, match=r"layer 0 \(pool2d\): .*colour"):
        sequence_layers(CFG, [dict(op="pool2d", x=x, kernel=2, colour=1)])


def test_plan_of_a_fused_layer(rng):
    x, w = int8(rng, (1, 8, 5, 6)), int8(rng, (4, 8, 3, 3))
    p = plan(conv2d_layer(CFG, x, w, np.arange(4) * 2, padding=1, pool=dict(kernel=2)), CFG)
    assert isinstance(p, Plan) and p.op == "conv2d" and p.end == "PDP"
    assert p.units == ("PDP", "SDP", "SDP_RDMA", "CACC", "CMAC_A", "CMAC_B", "CSC", "CDMA")
    assert [(what, align) for what, _, align in p.uploads] == \
        [("features", 8), ("weights", WEIGHT_ALIGN), ("bias", 8)]
    assert p.out_shape == (4, 2, 3) and p.counters["macs"] == 4 * 8 * 9 * 5 * 6
    writes = dict(p.program({"features": 0x1000, "weights": 0x2000, "bias": 0x3000,
                             "output": 0x4000}))
    assert writes["CDMA.D_DAIN_ADDR_LOW_0"] == 0x1000
    assert writes["SDP_RDMA.D_BS_BASE_ADDR_LOW"] == 0x3000
    assert writes["PDP.D_DST_BASE_ADDR_LOW"] == 0x4000
    assert writes["CDMA.D_BANK"] == dict(DATA_BANK=0, WEIGHT_BANK=0)
    assert {name.split(".")[0] for name in writes} == set(p.units)
    with pytest.raises(TypeError, match="layer must be a checked ConvLayer, PoolLayer or "
                                        "SdpLayer, not 3"):
        plan(3, CFG)


def test_session_rejects_a_plan_outside_its_units(rng):
    dev = TileBench()
    session = TileSession(dev, CFG, trace=None, max_cycles=1000)
    good = plan(pool2d_layer(int8(rng, (1, 8, 4, 4)), 2), CFG)
    bad = Plan("pool2d", ("PDP", "PDP_RDMA"), "PDP", good.uploads, good.out_bytes, good.out_shape,
               good.out_strides, lambda addrs: [("SDP.D_CVT_SHIFT", 1)], describe="bad")
    mark = len(dev.log)
    with pytest.raises(RuntimeError, match=r"writes registers of units outside the layer: "
                                           r"\['SDP'\]"):
        session.run([bad])
    assert [entry for entry in dev.log[mark:] if entry[0] == "write"] == []    # none at all
