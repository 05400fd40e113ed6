"""The ending every check script here shares: one line per problem, a count, an exit status."""


def report(problems, ok_message):
    """Prints the problems (or "ok: <message>") and returns the process exit status."""
    for p in problems:
        print(f"  {p}")
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print(f"ok: {ok_message}")
    return 0
