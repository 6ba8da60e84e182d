#!/bin/sh
# Like the official image: redis-server runs as `redis` and, with no config file, leaves
# protected mode off so that other containers on its network can connect.
set -eu
if [ "${1:-}" = redis-server ]; then
    shift
    exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
fi
exec "$@"
