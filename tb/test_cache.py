"""simtlab.cache: the one build protocol of every cache (models, units, cocotb, kernels)."""

import json
import threading

import pytest

from simtlab import cache


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMTLAB_CACHE", str(tmp_path))
    return tmp_path


def _builder(calls, text="built"):
    def build(entry):
        calls.append(entry)
        (entry / "out.bin").write_text(text)
        return {"note": "x"}
    return build


def test_build_once_then_hit(root):
    calls = []
    entry = cache.cached_entry("units", "ab" * 20, _builder(calls), outputs=("out.bin",))
    again = cache.cached_entry("units", "ab" * 20, _builder(calls), outputs=("out.bin",))
    assert entry == again == root / "units" / ("ab" * 16)
    assert len(calls) == 1
    stamp = cache.read_stamp(entry)
    assert stamp["key"] == "ab" * 20 and stamp["note"] == "x"
    assert stamp["outputs"]["out.bin"]["size"] == len("built")


def test_altered_output_is_rebuilt(root):
    calls = []
    entry = cache.cached_entry("kernels", "cd" * 20, _builder(calls), outputs=("out.bin",))
    (entry / "out.bin").write_text("corrupt")
    assert not cache.is_intact(entry)
    cache.cached_entry("kernels", "cd" * 20, _builder(calls), outputs=("out.bin",))
    assert len(calls) == 2 and (entry / "out.bin").read_text() == "built"
    cache.cached_entry("kernels", "cd" * 20, _builder(calls), outputs=("out.bin",), rebuild=True)
    assert len(calls) == 3


def test_failed_build_is_not_published(root):
    def broken(entry):
        (entry / "build.log").write_text("error: ...")
        raise RuntimeError("tool failed")
    with pytest.raises(RuntimeError, match="tool failed"):
        cache.cached_entry("models", "ef" * 20, broken, outputs=("out.bin",))
    entry = root / "models" / ("ef" * 16)
    assert (entry / "build.log").is_file() and cache.read_stamp(entry) is None
    with pytest.raises(RuntimeError, match="produced no out.bin"):
        cache.cached_entry("models", "ef" * 20, lambda entry: None, outputs=("out.bin",))
    calls = []
    cache.cached_entry("models", "ef" * 20, _builder(calls), outputs=("out.bin",))
    assert not (entry / "build.log").exists() and len(calls) == 1


def test_failing_check_rebuilds(root):
    calls = []
    checks = iter([True, False, False, True])     # built, bad twice, rebuilt
    cache.cached_entry("cocotb", "12" * 20, _builder(calls), outputs=("out.bin",),
                       check=lambda entry: next(checks))
    cache.cached_entry("cocotb", "12" * 20, _builder(calls), outputs=("out.bin",),
                       check=lambda entry: next(checks))
    assert len(calls) == 2


def test_parallel_lookups_build_once(root):
    calls, errors = [], []

    def worker():
        try:
            cache.cached_entry("units", "34" * 20, _builder(calls), outputs=("out.bin",))
        except Exception as exc:    # reported below
            errors.append(exc)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(calls) == 1


def test_clear_removes_every_kind(root):
    for kind in cache.KINDS:
        cache.cached_entry(kind, "56" * 20, _builder([]), outputs=("out.bin",))
    assert cache.clear_cache() == len(cache.KINDS)
    assert not any((root / kind).exists() for kind in cache.KINDS)
    assert cache.clear_cache() == 0


def test_bad_kind(root):
    with pytest.raises(ValueError, match="cache kind must be one of models, units, cocotb, kernels"):
        cache.cached_entry("elsewhere", "78" * 20, _builder([]), outputs=())
    with pytest.raises(ValueError, match="not 'x'"):
        cache.clear_cache(["x"])


def test_key_hasher_frames_parts():
    a = cache.KeyHasher().add("x", "ab").add("y", "c").hexdigest()
    b = cache.KeyHasher().add("x", "a").add("y", "bc").hexdigest()
    assert a != b and len(a) == 64
    assert json.dumps(a)
