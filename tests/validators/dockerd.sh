#!/usr/bin/env bash
# A private Docker engine for tests: `dockerd.sh start DIR` starts dockerd 20.10
# with its own data-root, exec-root, socket and pidfile under DIR and waits until it
# answers; `dockerd.sh stop DIR` stops exactly that daemon, by its PID, and waits.
set -euo pipefail
command="$1"
dir="$(mkdir -p "$2" && cd "$2" && pwd)"
case "$command" in
  start)
    driver=overlay2
    for attempt in 1 2; do
      dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver="$driver" \
        --data-root "$dir/data" --exec-root "$dir/exec" -H "unix://$dir/docker.sock" \
        --pidfile "$dir/dockerd.pid" >"$dir/dockerd.log" 2>&1 &
      for _ in $(seq 1 60); do
        if DOCKER_HOST="unix://$dir/docker.sock" /usr/bin/docker version >/dev/null 2>&1; then exit 0; fi
        if ! kill -0 $! 2>/dev/null; then break; fi
        sleep 0.5
      done
      kill "$!" 2>/dev/null || true
      wait "$!" 2>/dev/null || true
      # overlay2 is not available everywhere; vfs always is.
      [ "$attempt" -eq 1 ] && driver=vfs && rm -rf "$dir/data" "$dir/exec"
    done
    echo "dockerd did not start; see $dir/dockerd.log" >&2
    tail -5 "$dir/dockerd.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$dir/dockerd.pid" ]; then
      pid="$(cat "$dir/dockerd.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    ;;
  *)
    echo "usage: dockerd.sh start|stop DIR" >&2
    exit 2
    ;;
esac
