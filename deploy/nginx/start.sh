#!/bin/sh
# Fill the template from the environment (only its own names, so nginx's $variables stay),
# check the result and run nginx in the foreground.
set -eu
envsubst '${PUBLIC_URL} ${NGINX_HTTPS_PORT} ${NGINX_HTTP_PORT} ${NGINX_TLS_CERTIFICATE} ${NGINX_TLS_CERTIFICATE_KEY} ${NGINX_NODES} ${NGINX_ACCESS_LOG}' \
  < /etc/nginx/templates/reception.conf.template > /etc/nginx/conf.d/reception.conf
nginx -t -q
exec nginx -g "daemon off;"
