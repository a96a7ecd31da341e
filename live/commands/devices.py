"""``live devices``: audio host APIs and devices, MIDI ports, and which ``live run`` would use."""

from __future__ import annotations

import json
import sys


def display_latencies(db: str | None) -> list[dict]:
    """Each screen's latest display latency in the store (``--db``, or the user's store when it
    exists: listing devices never creates one): ``[{"device": "display 0", "latency_ms": 25.0}]``."""
    import os

    from live.commands.run import default_db_path

    if db is None:
        if not default_db_path().exists():
            return []
        db = str(default_db_path())
    elif "://" not in db and not os.path.exists(db):  # never raises, even for a name too long
        return []
    from live.session.store import Store

    with Store.open(db) as store:
        return [{"device": c["device"], "latency_ms": c["details"]["latency_ms"]}
                for c in store.latest_calibrations("display")]


def run(args) -> int:
    from live.commands.records_common import fail
    from live.engine.jack_midi import jack_ports
    from live.engine.live_driver import DeviceError, load_sounddevice, pick_device
    from live.session.db_url import StoreOpenError, shown

    try:  # first: a --db that cannot be used is bad input, said before the devices are listed
        displays = display_latencies(args.db)
    except StoreOpenError as exc:
        from live.commands.run import default_db_path

        return fail("live devices", f"--db {shown(args.db or str(default_db_path()))}: {exc}")
    info: dict = {"audio": {}, "midi": {}}
    try:
        sd = load_sounddevice("live-devices")
    except OSError as exc:  # no PortAudio library on this machine
        info["audio"] = {"error": f"PortAudio is not installed ({exc})"}
    else:
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
            out = pick_device(sd, args.audio_device, "output", 2)
            info["audio"]["would_use"] = f"{out}: {devices[out]['name']} ({apis[devices[out]['hostapi']]['name']})"
        except DeviceError as exc:
            info["audio"]["would_use"] = None
            info["audio"]["problem"] = str(exc)
    sources = jack_ports(midi=True, outputs=True)
    info["midi"]["jack_server"] = sources is not None
    info["midi"]["jack_sources"] = [p for p in sources or [] if not p.startswith("live-midi:")]
    info["midi"]["would_use"] = ("JACK port live-midi:in (connect a source, or pass --midi-in NAME)"
                                 if sources is not None else "none: live run needs a JACK server for MIDI")
    if args.midi or args.controls is not None:
        from live.controls import ControlError, ControlMap

        try:
            controls = ControlMap.load(args.controls) if args.controls else ControlMap.default()
        except ControlError as exc:
            for line in exc.problems:
                print(f"live devices: {line}", file=sys.stderr)
            return 2
        info["controls"] = {"source": str(args.controls or "built-in"), "bindings": controls.describe(),
                            "therapist_channels": sorted(controls.therapist_channels),
                            "therapist": controls.describe_therapist()}
    info["displays"] = displays
    if args.json:
        print(json.dumps(info))
        return 0
    audio = info["audio"]
    if "error" in audio:
        print(f"Audio: {audio['error']}")
    else:
        print(f"Audio host APIs: {', '.join(audio['host_apis']) or 'none'}")
        for d in audio["devices"]:
            print(f"  {d['index']:>3}  {d['name']}  [{d['host_api']}]  in {d['inputs']}, out {d['outputs']}, "
                  f"{d['sample_rate']:g} Hz")
        print(f"Would play on: {audio['would_use'] or audio.get('problem')}")
    midi = info["midi"]
    print(f"MIDI: JACK server {'running' if midi['jack_server'] else 'not running'}")
    for port in midi["jack_sources"]:
        print(f"  {port}")
    print(f"Would take MIDI from: {midi['would_use']}")
    if info["displays"]:
        print("Display latencies (the beat cue is drawn this much early; live run --display-latency sets one):")
        for d in info["displays"]:
            print(f"  {d['device']}: {d['latency_ms']:g} ms")
    if "controls" in info:
        print(f"Therapist controls ({info['controls']['source']}):")
        for line in info["controls"]["bindings"]:
            print(f"  {line}")
        print(f"  {info['controls']['therapist']}")
    return 0
