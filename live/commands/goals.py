"""``live goals add/list``: a client's goals, written as 'sd_async_ms <= 40 at 100 BPM'.

The goal's metric and the parameters or trial fields its conditions name must be declared by
some registered activity (:func:`live.store.goals.check_goal`).

Exit status 0 done, 2 bad input (unknown client, unreadable goal, a name no activity declares).
"""

from __future__ import annotations

from live.commands.common import fail, open_store, print_goals, to_json


def run(args) -> int:
    from live.store.goals import GoalError, check_goal, describe_goal, parse_goal

    prog = f"live goals {args.action}"
    spec = None
    if args.action == "add":
        try:
            spec = parse_goal(" ".join(args.goal))
            check_goal(spec)
        except GoalError as exc:
            return fail(prog, str(exc))
    store = open_store(args, prog)
    if store is None:
        return 2
    with store:
        try:
            store.get_client(args.client)
        except KeyError as exc:
            return fail(prog, f"{exc.args[0]}; add the client first with 'live clients add {args.client}'")
        if spec is not None:
            goal_id = store.add_goal(args.client, metric=spec.metric, direction=spec.direction,
                                     target=spec.target, conditions=spec.conditions)
            text = describe_goal(spec.metric, spec.direction, spec.target, spec.conditions)
            if args.json:
                print(to_json({"id": goal_id, "client": args.client, "text": text, "metric": spec.metric,
                               "direction": spec.direction, "target": spec.target, "conditions": spec.conditions}))
            else:
                print(f"Goal {goal_id} for {args.client}: {text}")
            return 0
        from live.store.records import client_progress

        goals = client_progress(store, args.client)["goals"]
        if args.json:
            print(to_json({"client": args.client, "goals": goals}))
        else:
            print_goals(goals)
        return 0
