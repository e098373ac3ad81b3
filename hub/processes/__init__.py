"""One module per hub process, each building its parts from the layers below and running them.

::

    api      ``hub api``: the control-plane API (uvicorn)
    run      ``hub run``: the delivery engine (every active subscription's sink)
    connect  ``hub connect``: the connector worker
    migrate  ``hub migrate``: the store's migrations, once per deployment, then exit
    signals  ``until_signalled`` / ``run_process``: the one SIGINT/SIGTERM handling every
             process uses, with a stop bounded to a few seconds whatever the servers do

Each has ``main`` (set up telemetry, build, run until signalled) and exposes the builder of its
part, so ``devtools dev`` runs the three parts side by side in one process from the same code.
The CLI only parses options and calls ``main``.
"""
