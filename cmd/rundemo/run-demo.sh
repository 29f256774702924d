#!/bin/sh
# `make run`: cucmsim on the demo topology, then bcservice in front of it, both in the
# foreground until Ctrl-C (SIGINT) or SIGTERM stops them. bcservice starts only once the
# simulator has bound every listener (its --addr-file appears), within START_TIMEOUT
# seconds. If either program exits (e.g. a port already in use: both name the address),
# the other is stopped and the script fails. A stop by signal exits 0, so make stays quiet.
#
# Environment: BIN (binaries, default bin), SIM_ADMIN (control API, default
# 127.0.0.1:18000), TOPOLOGY, CONFIG, START_TIMEOUT (default 10).
set -u

BIN=${BIN:-bin}
SIM_ADMIN=${SIM_ADMIN:-127.0.0.1:18000}
TOPOLOGY=${TOPOLOGY:-testdata/topology/demo.yaml}
CONFIG=${CONFIG:-testdata/config/demo.yaml}
START_TIMEOUT=${START_TIMEOUT:-10}
# The demo dashboard's EM app user (bcapp) password, as the demo topology has it.
export BC_DASHBOARD_APP_CERTIFICATE="${BC_DASHBOARD_APP_CERTIFICATE:-s3cret}"
RUN=$BIN/run
sim=
svc=

mkdir -p "$RUN" || exit 1
rm -f "$RUN/cucmsim.addr.json" "$RUN/bcservice.addr.json"

# stop asks both programs to shut down (they drain in-flight requests) and waits for them.
# On Ctrl-C the terminal has already sent them SIGINT; the SIGTERM that follows is absorbed.
stop() {
	trap '' INT TERM
	# shellcheck disable=SC2086 # $sim and $svc are PIDs or empty
	kill -TERM $sim $svc 2>/dev/null
	wait
}

on_signal() {
	stop
	echo "run-demo: stopped cucmsim and bcservice"
	exit 0
}
trap on_signal INT TERM

# alive PID: the process is still running (the shell reaps exited children during pause's
# wait, after which kill -0 fails).
alive() { kill -0 "$1" 2>/dev/null; }

# exited NAME PID: NAME has exited. Status 0 means a clean shutdown, which only a signal
# causes (a Ctrl-C can reach the programs before the trap runs here): stop quietly.
# Anything else (e.g. its port is taken) stops the other one and fails.
exited() {
	wait "$2"
	status=$?
	stop
	if [ "$status" -eq 0 ]; then
		echo "run-demo: stopped cucmsim and bcservice"
		exit 0
	fi
	echo "run-demo: $1 exited with status $status; see its message above" >&2
	exit 1
}

# pause sleeps a tenth of a second in a way a trapped signal interrupts at once.
pause() {
	sleep 0.1 &
	wait $!
}

"$BIN/cucmsim" serve --topology "$TOPOLOGY" --admin "$SIM_ADMIN" --addr-file "$RUN/cucmsim.addr.json" &
sim=$!
tries=$((START_TIMEOUT * 10))
while [ ! -s "$RUN/cucmsim.addr.json" ]; do
	alive "$sim" || exited cucmsim "$sim"
	tries=$((tries - 1))
	if [ "$tries" -le 0 ]; then
		stop
		echo "run-demo: cucmsim did not listen within ${START_TIMEOUT}s" >&2
		exit 1
	fi
	pause
done

"$BIN/bcservice" serve --config "$CONFIG" --addr-file "$RUN/bcservice.addr.json" &
svc=$!
tries=$((START_TIMEOUT * 10))
while [ ! -s "$RUN/bcservice.addr.json" ]; do
	alive "$svc" || exited bcservice "$svc"
	tries=$((tries - 1))
	if [ "$tries" -le 0 ]; then
		stop
		echo "run-demo: bcservice did not listen within ${START_TIMEOUT}s" >&2
		exit 1
	fi
	pause
done
listen=$(sed 's/.*"listen":"\([^"]*\)".*/\1/' "$RUN/bcservice.addr.json")
admin=$(sed 's/.*"admin":"\([^"]*\)".*/\1/' "$RUN/cucmsim.addr.json")
echo "run-demo: cucmsim console on http://$admin/ui/"
echo "run-demo: ready: bcservice on http://$listen, cucmsim control API on http://$admin; Ctrl-C stops both"

while :; do
	alive "$sim" || exited cucmsim "$sim"
	alive "$svc" || exited bcservice "$svc"
	pause
done
