# make demo   creates .venv, installs live, runs a simulated session offline (no sound card).
# make test   installs what the tests need (jackd2 and PortAudio from apt when root) and runs them all.
# make bench  runs the benchmarks (slow soak runs included) and prints figures for docs/performance.md.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
APT_PACKAGES := jackd2 libjack-jackd2-0 libportaudio2

.PHONY: demo test bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The JACK tests need a real JACK server (dummy driver) and PortAudio: install them when root.
system-deps:
	@if command -v jackd >/dev/null && command -v jack_wait >/dev/null && ldconfig -p | grep -q 'libportaudio.so.2 '; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing $(APT_PACKAGES) with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	else \
	  echo "make test needs $(APT_PACKAGES): run 'sudo apt-get install $(APT_PACKAGES)' and try again" >&2; exit 1; \
	fi

demo: $(VENV)/.installed
	$(BIN)/live demo

test: system-deps $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: system-deps $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) live-demo-output .pytest_cache .hypothesis
