"""``live clients add/list/show``: pseudonymous clients, their goals and sessions.

Exit status 0 done, 2 bad input (unknown client, code taken, code not allowed).
"""

from __future__ import annotations

from live.commands.common import fail, open_store, print_goals, table, to_json, when


def run(args) -> int:
    prog = f"live clients {args.action}"
    store = open_store(args, prog)
    if store is None:
        return 2
    with store:
        if args.action == "add":
            try:
                store.add_client(args.code, display_name=args.name)
            except ValueError as exc:
                return fail(prog, str(exc))
            if args.json:
                print(to_json({"code": args.code, "display_name": args.name}))
            else:
                print(f"Client {args.code} added" + (f" ({args.name.strip()})" if args.name else "") + ".")
            return 0
        if args.action == "list":
            clients = store.list_clients()
            if args.json:
                print(to_json({"clients": clients}))
            elif not clients:
                print("No clients yet: add one with 'live clients add CODE [--name NAME]'.")
            else:
                print(table(["code", "name", "sessions", "last session", "goals"],
                            [[c["code"], c["display_name"], c["sessions"], c["last_session_at"], c["goals"]]
                             for c in clients]))
            return 0
        try:
            client = store.get_client(args.code)
        except KeyError as exc:
            return fail(prog, exc.args[0])
        from live.store.records import client_progress

        progress = client_progress(store, args.code)
        if args.json:
            print(to_json({**client, "goals": progress["goals"], "sessions": progress["sessions"]}))
            return 0
        name = f" ({client['display_name']})" if client["display_name"] else ""
        print(f"Client {client['code']}{name}, added {when(client['created_at'])}")
        print()
        print_goals(progress["goals"])
        print()
        if progress["sessions"]:
            print(table(["session", "started", "status", "runs"],
                        [[s["id"], s["started_at"], s["status"], s["runs"]] for s in progress["sessions"]]))
        else:
            print("No sessions yet.")
        return 0

