#!/bin/bash
# ccr-failoverctl against fixture status files and a stand-in daemon: the
# status table and --json, staleness, missing and malformed files, usage
# errors, a command nobody consumes, and the control handshake.
. "$(dirname "$0")/lib.sh"

FIXTURES="$abs_top_srcdir/tests/integration/ctl"
RUN="$TEST_DIR/run"
mkdir -p "$RUN"

now() {
	date -u +%Y-%m-%dT%H:%M:%S.%3NZ
}

# install FIXTURE PID: make the fixture the current status.json.
install_status() {
	sed -e "s/@NOW@/$(now)/" -e "s/@PID@/$2/" "$FIXTURES/$1" \
	    >"$RUN/status.tmp"
	mv "$RUN/status.tmp" "$RUN/status.json"
}

ctl() {
	"$FAILOVERCTL" --runtime-dir "$RUN" "$@"
}

contains() {
	grep -qF -- "$2" <<<"$1"
}

lacks() {
	! grep -qF -- "$2" <<<"$1"
}

# A pid that is certainly not running: a child that has been reaped.
sleep 0 &
dead_pid=$!
wait "$dead_pid"

# --- status from a live daemon's file ---
install_status status-replicating.json $$
out=$(ctl status --json)
ok "status --json exits 0" [ $? -eq 0 ]
ok "status --json prints the file as it is" \
    cmp -s <(printf '%s\n' "$out") "$RUN/status.json"

out=$(ctl status)
ok "status exits 0 for a live daemon" [ $? -eq 0 ]
ok "status shows the state" contains "$out" "State:        REPLICATING"
ok "status shows the roles" contains "$out" "Leader:       clusterA"
ok "status shows the follower" contains "$out" "Follower:     clusterB"
ok "status shows the last poll age" grep -qE "^Last poll: +.*Z \([0-9]+\.[0-9] s ago\)$" <<<"$out"
ok "status does not call a fresh file stale" lacks "$out" "STALE"
ok "status has a cluster table" \
    grep -qE '^clusterB +follower +yes +yellow +1 +timeout after 2000 ms$' \
    <<<"$out"
ok "status has an index table with lag" \
    grep -qE '^kibana_sample_data_ecommerce +kibana_sample_data_ecommerce2 +0 +active +- +-$' \
    <<<"$out"
ok "unknown lag is shown as such" \
    grep -qE '^logs +logs-replica +\? +unknown' <<<"$out"

RUNTIME_DIRECTORY="$RUN" "$FAILOVERCTL" status >/dev/null
ok "RUNTIME_DIRECTORY is the default runtime directory" [ $? -eq 0 ]

# --- one of several watchers ---
install_status status-coordinated.json $$
out=$(ctl status)
ok "status of a watcher exits 0" [ $? -eq 0 ]
ok "status names this watcher and the actor" contains "$out" \
    "Coordination: member witness, actor dr-site-1"
ok "status says etcd is unreachable" contains "$out" \
    "COORDINATION UNAVAILABLE"
ok "status has a table of the watchers" \
    grep -qE '^dr-site-1 +no +PROMOTING +120$' <<<"$out"
ok "status says who carried out the last command" contains "$out" \
    "Last command: hold accepted by dr-site-1: held"

# --- a daemon that has not completed a poll yet ---
sed -e 's/"@NOW@"/null/' -e "s/@PID@/$$/" \
    "$FIXTURES/status-replicating.json" >"$RUN/status.json"
out=$(ctl status)
ok "a live daemon before its first poll is not stale" [ $? -eq 0 ]
ok "status says no poll completed yet" contains "$out" \
    "Last poll:    none yet"

# --- a status file its daemon left behind ---
install_status status-promoting.json "$dead_pid"
out=$(ctl status)
ok "status exits 3 when the file is stale" [ $? -eq 3 ]
ok "a stale file is flagged" contains "$out" "STALE"
ok "a long age is readable" grep -qE "^Last poll: .* \([0-9]+ d [0-9]+ h ago\)" <<<"$out"
ok "a dead daemon is flagged" contains "$out" "NOT RUNNING"
ok "status warns the status is not current" contains "$out" \
    "WARNING: this status is not current"
ok "status shows held" contains "$out" "HELD"
ok "status says not ready" contains "$out" "Ready:        NO"
ok "status shows the failed check" contains "$out" \
    "failed:     privileges:clusterB: cluster privilege manage_ccr missing"
ok "status does not list passing checks" lacks "$out" "connect:clusterA"
ok "status shows the reason" contains "$out" \
    "leader lost: 7 failed polls, follower agrees"
ok "status shows the action's progress" contains "$out" \
    "promote since 2025-11-25T21:54:51.000Z, 1 of 3 indices done, 1 failed"
ok "status shows each index's step" \
    grep -qE '^logs +logs2 +42 +paused +unfollow +-$' <<<"$out"
ok "status shows the last command" contains "$out" \
    "Last command: confirm accepted: promotion confirmed"
ok "control characters from the file do not reach the terminal" \
    lacks "$out" $'\033'
ctl status --json >/dev/null
ok "status --json of a stale file still exits 0" [ $? -eq 0 ]

# --- missing and malformed files ---
rm -f "$RUN/status.json"
out=$(ctl status --json 2>&1)
ok "status --json exits 1 without a status file" [ $? -eq 1 ]
ok "the message names the missing file" contains "$out" \
    "$RUN/status.json: No such file or directory"
ctl status >/dev/null 2>&1
ok "status exits 1 without a status file" [ $? -eq 1 ]
head -c 100 "$FIXTURES/status-replicating.json" >"$RUN/status.json"
out=$(ctl status --json 2>&1)
ok "status --json exits 1 on a torn file" [ $? -eq 1 ]
ok "a torn file is called malformed" contains "$out" "is malformed"
echo '[1,2]' >"$RUN/status.json"
ctl status >/dev/null 2>&1
ok "status exits 1 when the file is not an object" [ $? -eq 1 ]

# --- usage ---
ctl frobnicate >/dev/null 2>&1
ok "an unknown command is a usage error" [ $? -eq 2 ]
ctl status --yaml >/dev/null 2>&1
ok "an unknown status flag is a usage error" [ $? -eq 2 ]
ctl --timeout soon confirm >/dev/null 2>&1
ok "a bad timeout is a usage error" [ $? -eq 2 ]
ctl >/dev/null 2>&1
ok "no command is a usage error" [ $? -eq 2 ]

# --- nobody consumes the command ---
install_status status-replicating.json "$dead_pid"
out=$(ctl --timeout 0.3 confirm 2>&1)
ok "a command nobody takes exits 3" [ $? -eq 3 ]
ok "the message says no daemon took it" contains "$out" \
    "no daemon took the command"
ok "the unconsumed command is withdrawn" [ ! -e "$RUN/control" ]
echo "someone-else hold" >"$RUN/control"
out=$(ctl --timeout 0.3 abort 2>&1)
ok "a command waiting from before blocks a new one with 3" [ $? -eq 3 ]
ok "the message says a command is still waiting" contains "$out" \
    "still waiting"
ok "the earlier command is left alone" \
    [ "$(cat "$RUN/control")" = "someone-else hold" ]
rm -f "$RUN/control"

# --- the handshake with a stand-in daemon ---
# It consumes the control file exactly as the daemon does (read, remove),
# rejects promote, and reports last_command in status.json.
fake_daemon() {
	local line id cmd outcome last
	while :; do
		if [ -f "$RUN/control" ]; then
			stat -c %a "$RUN/control" >>"$RUN/modes"
			line=$(cat "$RUN/control")
			rm -f "$RUN/control"
			printf '%s\n' "$line" >>"$RUN/consumed"
			id=${line%% *}
			cmd=${line#* }
			outcome=accepted
			[ "$cmd" = promote ] && outcome=rejected
			last="{\"id\": \"$id\", \"command\": \"$cmd\", \"outcome\": \"$outcome\", \"message\": \"stand-in $outcome $cmd\"}"
			sed -e "s/@NOW@/$(now)/" -e "s/@PID@/$BASHPID/" \
			    -e "s/\"last_command\": null/\"last_command\": $last/" \
			    "$FIXTURES/status-replicating.json" >"$RUN/status.tmp"
			mv "$RUN/status.tmp" "$RUN/status.json"
		fi
		sleep 0.05
	done
}
fake_daemon &
track_pid $!

out=$(ctl --timeout 10 confirm)
ok "an accepted command exits 0" [ $? -eq 0 ]
ok "the outcome is printed" [ "$out" = "confirm: accepted: stand-in accepted confirm" ]
out=$(ctl promote --timeout 10)
ok "a rejected command exits 1" [ $? -eq 1 ]
ok "the rejection is printed" [ "$out" = "promote: rejected: stand-in rejected promote" ]
ok "the daemon consumed each command exactly once" \
    [ "$(wc -l <"$RUN/consumed")" -eq 2 ]
ok "command files are mode 0644" [ "$(sort -u "$RUN/modes")" = 644 ]
ok "each command carried its own id" \
    [ "$(cut -d' ' -f1 "$RUN/consumed" | sort -u | wc -l)" -eq 2 ]
ok "commands arrive as '<id> <command>'" \
    grep -qE '^[0-9]+-[0-9]+\.[0-9]{9}-[0-9]+ promote$' "$RUN/consumed"
ok "nothing is left in the control file" [ ! -e "$RUN/control" ]
ok "nothing else is left in the runtime directory" \
    [ "$(ls -A "$RUN" | sort | tr '\n' ' ')" = "consumed modes status.json " ]
ok "status shows the last command" contains "$(ctl status)" \
    "Last command: promote rejected: stand-in rejected promote"

finish
