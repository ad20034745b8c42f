#!/usr/bin/env bash
# Starts MariaDB and RabbitMQ when they are down (the tests use both), and waits until each
# answers.
set -euo pipefail

if ! mariadb-admin --protocol=tcp -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then
    echo "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
for _ in $(seq 60); do
    mariadb-admin --protocol=tcp -h 127.0.0.1 -uroot ping >/dev/null 2>&1 && break
    sleep 1
done
mariadb-admin --protocol=tcp -h 127.0.0.1 -uroot ping

if ! rabbitmqctl -q status >/dev/null 2>&1; then
    echo "starting RabbitMQ"
    rabbitmq-server -detached || true
fi
rabbitmqctl -q await_startup --timeout 120 2>/dev/null || rabbitmqctl -q wait --timeout 120 --pid "$(pgrep -f beam | head -1)"
# A stopped application inside a running node (left by an interrupted restart test).
rabbitmqctl -q start_app >/dev/null 2>&1 || true
