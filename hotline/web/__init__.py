"""The web composition: the app factory that mounts the REST API and the console, and the
dependencies both share (runtime, the request's transaction, sign-in limits, role checks).

`hotline.api` (REST routers) and `hotline.console` (pages) both depend on this package and
never on each other; only `hotline.web.app` knows both.
"""
