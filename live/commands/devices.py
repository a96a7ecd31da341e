"""``live devices``: audio host APIs and devices, MIDI ports, and which ``live run`` would use."""

from __future__ import annotations

import json
import sys

from live.cli_args.values import one_line


def display_latencies(db: str | None) -> list[dict]:
    """Each screen's latest display latency in the store (``--db``, or the user's store when it
    exists: listing devices never creates one): ``[{"device": "display 0", "latency_ms": 25.0}]``."""
    import os

    from live.commands.common import default_db_path

    if db is None:
        if not default_db_path().exists():
            return []
        db = str(default_db_path())
    elif "://" not in db and not os.path.exists(db):  # never raises, even for a name too long
        return []
    from live.store.store import Store

    with Store.open(db) as store:
        return [{"device": c["device"], "latency_ms": c["details"]["latency_ms"]}
                for c in store.latest_calibrations("display")]


def _audio(info: dict, missing: list, audio_device: str | None) -> None:
    """PortAudio's host APIs and devices, and the output ``live run`` would play on."""
    from live.engine.live_driver import DeviceError, load_sounddevice, pick_device
    from live.engine.system_parts import MissingPart, no_audio_output

    try:
        sd = load_sounddevice("live-devices")
    except MissingPart as exc:
        info["audio"] = {"error": str(exc)}
        missing.append(exc)
        return
    except DeviceError as exc:  # installed, but would not start
        info["audio"] = {"error": str(exc)}
        return
    apis = sd.query_hostapis()
    devices = sd.query_devices()
    info["audio"]["host_apis"] = [a["name"] for a in apis]
    info["audio"]["devices"] = [
        {"index": i, "name": d["name"], "host_api": apis[d["hostapi"]]["name"],
         "inputs": d["max_input_channels"], "outputs": d["max_output_channels"],
         "sample_rate": d["default_samplerate"]}
        for i, d in enumerate(devices)
    ]
    try:
        out = pick_device(sd, audio_device, "output", 2)
        info["audio"]["would_use"] = f"{out}: {devices[out]['name']} ({apis[devices[out]['hostapi']]['name']})"
    except DeviceError as exc:
        info["audio"]["would_use"] = None
        if audio_device is not None:
            info["audio"]["problem"] = f"--audio-device {audio_device}: {exc}"
        elif not any(d["max_output_channels"] >= 2 for d in devices):
            info["audio"]["problem"] = "no output device"
            missing.append(no_audio_output(info["audio"]["host_apis"]))
        else:
            info["audio"]["problem"] = str(exc)


def _midi(info: dict, missing: list) -> None:
    """JACK's MIDI sources when a server runs, else python-rtmidi's ports; what live run takes."""
    from live.engine.jack_midi import jack_ports
    from live.engine.system_parts import MissingPart

    sources = jack_ports(midi=True, outputs=True)
    midi = info["midi"]
    midi["jack_server"] = sources is not None
    midi["jack_sources"] = [p for p in sources or [] if not p.startswith("live-midi:")]
    if sources is not None:
        midi["would_use"] = "JACK port live-midi:in (connect a source, or pass --midi-in NAME)"
        return
    from live.engine.rtmidi_ports import default_port, list_input_ports

    try:
        ports = list_input_ports()
    except RuntimeError as exc:  # a MissingPart, or rtmidi's MIDI system would not open
        midi["rtmidi"] = {"error": str(exc)}
        midi["would_use"] = None
        if isinstance(exc, MissingPart):
            missing.append(exc)
        return
    midi["rtmidi"] = {"inputs": ports}
    index = default_port(ports)
    midi["would_use"] = (f"python-rtmidi port {ports[index]!r} (or pass --midi-in NAME)" if index is not None else
                         "a python-rtmidi virtual port live-midi:in (connect a source to it, or pass --midi-in NAME)")


def _jack_missing(info: dict):
    """The JACK server as a missing part, saying what it would give here."""
    from live.engine.system_parts import jack_server_missing

    audio_ok = any(d["outputs"] >= 2 for d in info["audio"].get("devices", []))
    midi_ok = info["midi"]["would_use"] is not None
    if audio_ok and midi_ok:
        why = ("optional: with one, MIDI hits are stamped to their exact frame and pads sound 2 audio periods "
               "later instead of 15 ms")
    elif midi_ok:
        why = "live run needs it for audio here, or a sound card PortAudio sees"
    elif audio_ok:
        why = "live run needs it for MIDI here, or the ALSA sequencer"
    else:
        why = "live run needs it for audio and MIDI here"
    return jack_server_missing(why)


def run(args) -> int:
    from live.commands.common import default_db_path, fail
    from live.store.connection import StoreOpenError, shown

    try:  # first: a --db that cannot be used is bad input, said before the devices are listed
        displays = display_latencies(args.db)
    except StoreOpenError as exc:
        return fail("live devices", f"--db {shown(args.db or str(default_db_path()))}: {exc}")
    info: dict = {"audio": {}, "midi": {}}
    if args.midi or args.controls is not None:  # also checked before the devices are listed
        from live.controls import ControlError, ControlMap

        try:
            controls = ControlMap.load(args.controls) if args.controls else ControlMap.default()
        except ControlError as exc:
            for line in exc.problems:
                print(f"live devices: {one_line(line)}", file=sys.stderr)
            return 2
        info["controls"] = {"source": str(args.controls or "built-in"), "bindings": controls.describe(),
                            "therapist_channels": sorted(controls.therapist_channels),
                            "therapist": controls.describe_therapist()}
    missing: list = []
    _audio(info, missing, args.audio_device)
    _midi(info, missing)
    if not info["midi"]["jack_server"]:
        missing.insert(0, _jack_missing(info))
    info["missing"] = [m.as_dict() for m in missing]
    info["displays"] = displays
    if args.json:
        print(json.dumps(info))
        return 0
    audio = info["audio"]
    if "error" in audio:
        print("Audio: PortAudio not available (see Missing)" if info["missing"] and any(
            m["part"] == "PortAudio" for m in info["missing"]) else f"Audio: {audio['error']}")
    else:
        print(f"Audio host APIs: {', '.join(audio['host_apis']) or 'none'}")
        for d in audio["devices"]:
            print(f"  {d['index']:>3}  {d['name']}  [{d['host_api']}]  in {d['inputs']}, out {d['outputs']}, "
                  f"{d['sample_rate']:g} Hz")
        print(f"Would play on: {audio['would_use'] or audio['problem']}")
    midi = info["midi"]
    print(f"MIDI: JACK server {'running' if midi['jack_server'] else 'not running'}")
    for port in midi["jack_sources"]:
        print(f"  {port}")
    if "rtmidi" in midi:
        rt = midi["rtmidi"]
        found = "not available (see Missing)" if "error" in rt else ", ".join(rt["inputs"]) or "no ports"
        print(f"MIDI through python-rtmidi: {found}")
    print(f"Would take MIDI from: {midi['would_use'] or 'nothing (see Missing)'}")
    if info["displays"]:
        print("Display latencies (the beat cue is drawn this much early; live run --display-latency sets one):")
        for d in info["displays"]:
            print(f"  {d['device']}: {d['latency_ms']:g} ms")
    if "controls" in info:
        print(f"Therapist controls ({info['controls']['source']}):")
        for line in info["controls"]["bindings"]:
            print(f"  {line}")
        print(f"  {info['controls']['therapist']}")
    if info["missing"]:
        print("Missing:")
        for m in info["missing"]:
            print(f"  {m['part']}: {m['problem']}; {m['fix']}")
    else:
        print("Missing: nothing")
    return 0
