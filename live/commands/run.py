"""``live run``: a real session on the audio device and MIDI ports, stored like ``live demo``'s."""

from __future__ import annotations

import json
import sys

from live.cli_args.values import one_line
from live.commands.common import (default_db_path, display_device, display_latency, mic_device, midi_device, open_store,
                                  screen_options, store_display_latency, touch_device)


def run(args) -> int:
    from live.presets import PresetError, find_preset, load_preset

    err = sys.stderr
    presets = []
    try:
        for name in args.presets:
            presets.append(load_preset(find_preset(name)))
    except (PresetError, FileNotFoundError) as exc:
        for line in getattr(exc, "problems", [str(exc)]):
            print(f"live run: {one_line(line)}", file=err)
        return 2
    if args.voice and args.mic:
        print("live run: --voice and --mic: take one (both read the one audio input)", file=err)
        return 2
    sung = [p.name for p in presets if getattr(p.params, "answer_input", None) == "voice"]
    if sung and not args.voice:
        print(f"live run: preset {sung[0]} is answered by voice: add --voice (the microphone's audio)", file=err)
        return 2
    screen = screen_options(args)  # numbers and sizes are checked while parsing (live.cli_args.values)

    from live.controls import ControlError, ControlMap
    from live.store.values import check_client_code

    try:
        check_client_code(args.client)
    except ValueError as exc:
        print(f"live run: --client: {exc}", file=err)
        return 2
    try:
        controls = ControlMap.load(args.controls) if args.controls else ControlMap.default()
    except ControlError as exc:
        for line in exc.problems:
            print(f"live run: {one_line(line)}", file=err)
        return 2
    db = args.db or str(default_db_path())
    # Opened before any device, so a --db that cannot be used is said at once. Sessions of this
    # store whose process died (killed, crashed) end as incomplete, as the records commands do.
    store = open_store(args, "live run", abandoned=True)
    if store is None:
        return 2
    from live.run.live import LiveSetup, install_signal_handlers
    from live.run.options import LiveOptions, SessionError
    from live.run.outcome import outages_json, responses_json
    from live.run.sounds import declared_notes, declared_soundfont, prepared_sounds
    from live.songs.library import FixedSongs, SongNotFound
    from live.ui.console import console_wanted

    engine_rate = LiveOptions.__dataclass_fields__["sample_rate"].default  # the rate the engine opens at

    with store:
        try:  # a song warped onto its run's beats: before any device opens, a missing song said in one line
            songs = FixedSongs.pinned(store)  # the runs record the songs rendered
            sounds = prepared_sounds(presets, songs=songs, sample_rate=engine_rate, phase_length_s=args.duration,
                                     log=lambda line: print(f"live run: {line}", file=err))
        except SongNotFound as exc:
            print(f"live run: {one_line(str(exc))}", file=err)
            return 2
        if not args.headless:  # the screen's display latency: given (and stored for it), or its stored one
            screen["display_latency_ms"], whence = display_latency(store, args.display, args.display_latency)
            print(f"live run: display latency {screen['display_latency_ms']:g} ms ({whence})", file=err)
        options = LiveOptions(client=args.client, duration_s=args.duration, audio_device=args.audio_device,
                              midi_in=args.midi_in, midi_out=args.midi_out, controls=controls,
                              midi_backend=args.midi_backend, rtmidi_api=args.rtmidi_api, mic=args.mic,
                              mic_threshold=args.mic_threshold, voice=args.voice, touch=not args.headless,
                              console=console_wanted() and not args.no_console,
                              notes=declared_notes(presets), soundfont=declared_soundfont(presets), sounds=sounds, songs=songs,
                              **screen)
        try:
            session = LiveSetup(options)
        except SessionError as exc:
            print(f"live run: {exc}", file=err)
            return 2
        install_signal_handlers(session)
        try:
            store.get_or_create_client(args.client)
            if not args.headless and args.display_latency is not None:  # the screen opened: remember it
                store_display_latency(store, args.display, args.display_latency, session.sample_rate)
            latency, used = {}, {}
            paths = [("midi", midi_device(args))] + ([("mic", mic_device(args))] if args.mic or args.voice else [])
            paths += [] if args.headless else [("touch", touch_device(args))]
            for path, device in paths:
                cal = store.latest_calibration(path, device)
                if cal is not None:
                    latency[path] = round(cal["latency_frames"] * session.sample_rate / cal["sample_rate"])
                    used[path] = {"device": device, "latency_frames": latency[path], "calibration_id": cal["id"]}
                    print(f"live run: {path} responses corrected by {latency[path]} frames "
                          f"(calibration {cal['id']} of {device})", file=err)
            if not args.headless:  # the screen's cue offset, stored with the corrections each run used
                used["display"] = {"device": display_device(args.display), "latency_ms": screen["display_latency_ms"]}
            outcome = session.run(presets, store=store, latency_frames=latency, calibration=used or None)
        except SessionError as exc:
            print(f"live run: {exc}", file=err)
            return 2
    last = outcome.runs[-1].summary.metrics if outcome.runs else None
    if args.json:
        print(json.dumps({"session_id": outcome.session_id, "summary": last,
                          "runs": [{"run_id": r.run_id, "preset": r.preset, "summary": r.summary.metrics,
                                    "phases": r.summary.phases, "segment": r.segment,
                                    "resumes_run_id": r.resumes_run_id,
                                    **({"trials": list(r.summary.trials)} if r.summary.trials else {})}
                                   for r in outcome.runs],
                          "responses": responses_json(outcome), "outages": outages_json(outcome),
                          "engine": outcome.engine_stats, "midi": session.midi_stats(), "writer": outcome.writer}))
    else:
        from live.activities.registry import metric_catalogue
        from live.commands.summary_tables import format_phases, format_summary

        for r in outcome.runs:
            catalogue = metric_catalogue(r.activity)
            print(f"Run {r.run_id}: {r.preset}")
            print(format_summary(r.summary.metrics, catalogue))
            print()
            if r.summary.phases:
                print("Per phase:")
                print(format_phases(r.summary.phases, catalogue))
                print()
    for o in outages_json(outcome):
        back = (f"back after {o['lost_s']:.1f} s (reopened in {1000 * o['reopen_s']:.0f} ms)"
                if o["end_time_s"] is not None else "not back when the session ended")
        print(f"live run: the audio was lost at {o['start_time_s']:.1f} s ({o['device']}), {back}", file=err)
    print(f"live run: session {outcome.session_id} saved in {db} ({outcome.ended_because})", file=err)
    return 0
