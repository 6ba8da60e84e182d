#!/bin/sh
# The resolver is the container's own nameserver (the compose network's DNS).
set -eu
ns="$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)"
sed "s/RESOLVER/${ns:-127.0.0.11}/" /etc/nginx/conf.d/canhgiac.conf.template > /etc/nginx/conf.d/canhgiac.conf
exec nginx -g 'daemon off;'
