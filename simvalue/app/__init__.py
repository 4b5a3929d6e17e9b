"""The local web app (``simvalue app``): pick a baseline, build a variant, run it, read the verdict, save it.

The app owns no simulation logic: it calls the same functions as the CLI. Its own logic lives in
plain modules tested without a browser (folder, overview, controls, overlay, runs); page.py and
wiring.py draw and wire the Dash page, and server.py serves it on 127.0.0.1 only. Nothing here is
imported by ``import simvalue``, and Dash is imported only by the page, wiring and server modules.
"""
