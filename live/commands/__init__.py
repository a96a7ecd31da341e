"""One module per command; each exposes ``run(args) -> int`` (the exit status).

They are imported only when their command runs, so ``live --help`` stays fast.
"""
