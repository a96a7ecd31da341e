# make demo   creates .venv, installs live, runs a simulated session offline (no sound card).
# make test   installs what the tests need (Debian packages below, from apt when root) and runs them all:
#             the realtime ones (a JACK or X server) one at a time after the others.
# make bench  runs the benchmarks (slow soak runs included) and prints figures for docs/performance.md.
# make screenshots  renders each client screen layout to docs/screenshots/ (SDL's dummy driver).

# The first of these that is a Python pyproject.toml allows (3.11 or 3.12: python-rtmidi has no
# wheels for newer ones); `make demo PYTHON=/path/to/python3.12` chooses another.
PYTHON_OK := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))
PYTHON ?= $(or $(firstword $(foreach p,python3 python3.12 python3.11,$(if $(shell $(p) -c '$(PYTHON_OK)' >/dev/null 2>&1 && echo y),$(p)))),python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages the tests use: a JACK server and PortAudio (live audio/MIDI), PostgreSQL (the
# store's server tests), Xvfb + xdotool (a real client window), tmux (the therapist console),
# poppler-utils (PDF pages checked with pdftoppm), FluidSynth and a General MIDI SoundFont (the
# pitched instruments, rendered before a session; SOUND_PACKAGES), Rubber Band (a song warped to
# the planned beats; SONG_PACKAGES).
SOUND_PACKAGES := libfluidsynth3 timgm6mb-soundfont
SONG_PACKAGES := rubberband-cli
APT_PACKAGES := jackd2 libjack-jackd2-0 libportaudio2 postgresql xvfb xauth xdotool tmux poppler-utils $(SOUND_PACKAGES) $(SONG_PACKAGES)
NEEDED_COMMANDS := jackd jack_wait initdb pg_ctl Xvfb xdotool tmux pdftoppm
# What the sound packages install (the library FluidSynth loads, the SoundFont live looks for first).
FLUIDSYNTH_LIB := libfluidsynth.so.3
GM_SOUNDFONT := /usr/share/sounds/sf2/TimGM6mb.sf2

.PHONY: demo test bench screenshots system-deps sound-deps clean

$(BIN)/python:
	@$(PYTHON) -c '$(PYTHON_OK)' 2>/dev/null || { v=$$($(PYTHON) --version 2>/dev/null || echo "not found"); \
	  echo "live needs Python 3.11 or 3.12; $(PYTHON) is $$v: install one and run 'make $(or $(MAKECMDGOALS),demo) PYTHON=python3.12'" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Installs the Debian packages above when a command is missing and we are root.
system-deps:
	@missing=""; for c in $(NEEDED_COMMANDS); do \
	  command -v $$c >/dev/null || ls /usr/lib/postgresql/*/bin/$$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	ldconfig -p | grep -q 'libportaudio.so.2 ' || missing="$$missing libportaudio2"; \
	ldconfig -p | grep -q '$(FLUIDSYNTH_LIB) ' || missing="$$missing libfluidsynth3"; \
	[ -f $(GM_SOUNDFONT) ] || missing="$$missing timgm6mb-soundfont"; \
	command -v rubberband >/dev/null || missing="$$missing rubberband-cli"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing with apt-get (missing:$$missing)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	else \
	  echo "make test needs$$missing: run 'sudo apt-get install $(APT_PACKAGES)' and try again" >&2; exit 1; \
	fi

# make demo: FluidSynth and the SoundFont from apt when root; otherwise, without them, live plays its
# built-in synthesized instruments (said here, and by live in one line), and the demo still runs.
sound-deps:
	@missing=""; ldconfig -p | grep -q '$(FLUIDSYNTH_LIB) ' || missing="$$missing libfluidsynth3"; \
	[ -f $(GM_SOUNDFONT) ] || missing="$$missing timgm6mb-soundfont"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing with apt-get (missing:$$missing)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SOUND_PACKAGES) >/dev/null; \
	else \
	  echo "live will play its built-in synthesized instruments (missing:$$missing); for General MIDI sounds run 'sudo apt-get install $(SOUND_PACKAGES)'" >&2; \
	fi

demo: sound-deps $(VENV)/.installed
	$(BIN)/live demo
	@echo "To type 'live' without .venv/bin/ in this shell: . .venv/bin/activate"

# The whole suite, in two phases that together select every test: those not marked realtime on both
# cores, then the realtime ones (a JACK or X server; tests/conftest.py marks them) one at a time.
test: system-deps $(VENV)/.installed-test
	@$(BIN)/python -m pytest -m "not realtime" -n 2 --dist loadfile; a=$$?; \
	$(BIN)/python -m pytest -m realtime; b=$$?; \
	echo "make test: other tests exit $$a, realtime tests exit $$b (0 = passed)"; [ $$a -eq 0 ] && [ $$b -eq 0 ]

bench: system-deps $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

screenshots: $(VENV)/.installed
	$(BIN)/python -m live.run.screenshots docs/screenshots

clean:
	rm -rf $(VENV) live-demo-output .pytest_cache .hypothesis
