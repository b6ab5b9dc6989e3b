#!/bin/bash
# Operating the live daemon: SIGHUP reloads a good configuration and keeps
# the running one when the new one is broken; ccr-failoverctl hold, resume
# and confirm through the control file, with the daemon's verdict as exit
# status; garbage and unsafe control files ignored; SIGUSR2 holds; status
# and status --json from the live daemon; an unsafe runtime directory
# refused at start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

ok "clusterB's $IDX2 follows clusterA's $IDX" ccr_pair
CONF="$TEST_DIR/control.conf"
conf_write "$CONF"

ctl() {
	"$FAILOVERCTL" --runtime-dir "$DAEMON_RUN" "$@"
}

ok "the daemon starts" daemon_start "$CONF"
ok "REPLICATING" wait_for 5 state_is REPLICATING
ok "status.json says 300 ms" [ "$(st .poll_interval_ms)" = 300 ]

# --- reload ------------------------------------------------------------------
log_mark
CONF_POLL_MS=200 CONF_TIMEOUT_MS=180 conf_write "$CONF"
kill -HUP "$DAEMON_PID"
ok "SIGHUP with a good file: reloaded" \
    wait_for 5 log_since_has "notice: configuration reloaded from $CONF CCR_CONFIG=$CONF\$"
ok "... the new poll interval is in effect" \
    wait_for 5 bash -c '[ "$(jq .poll_interval_ms "$1")" = 200 ]' _ \
    "$DAEMON_RUN/status.json"
ok "... polling goes on" polls_pass 3
ok "... REPLICATING" state_is REPLICATING

log_mark
cp "$CONF" "$TEST_DIR/good.conf"
printf 'poll_interval_ms = 500;\nfailure_treshold = 2;\n' >"$CONF"
kill -HUP "$DAEMON_PID"
ok "SIGHUP with a typo: rejected, naming file and line" \
    wait_for 5 log_since_has "warning: reload rejected, keeping the running configuration: $CONF:2: failure_treshold: unknown key"
ok "... the old poll interval is kept" [ "$(st .poll_interval_ms)" = 200 ]
ok "... the daemon keeps polling" polls_pass 3
ok "... REPLICATING" state_is REPLICATING

log_mark
printf 'clusters = {\n' >"$CONF"
kill -HUP "$DAEMON_PID"
ok "SIGHUP with a syntax error: rejected" \
    wait_for 5 log_since_has "warning: reload rejected, keeping the running configuration: $CONF:[0-9]+: "
ok "... polling goes on" polls_pass 2

log_mark
sed 's/clusterB/clusterC/g' "$TEST_DIR/good.conf" >"$CONF"
kill -HUP "$DAEMON_PID"
ok "SIGHUP renaming a cluster: rejected" \
    wait_for 5 log_since_has 'reload rejected, .*the clusters were renamed'
ok "... the roles are kept" \
    [ "$(st '"\(.leader) \(.follower)"')" = "clusterA clusterB" ]
cp "$TEST_DIR/good.conf" "$CONF"
ok "... alive" daemon_alive

# --- ccr-failoverctl ---------------------------------------------------------
out=$(ctl hold 2>&1)
ok "ctl hold: accepted (exit 0)" [ $? -eq 0 ]
ok "... status.json: held" [ "$(st .held)" = true ]
ok "... last_command says so" \
    [ "$(st '.last_command | "\(.command) \(.outcome)"')" = "hold accepted" ]
ok "... logged with its source" log_has 'notice: hold from file \(.*\) accepted: held: no automatic action CCR_COMMAND=hold CCR_STATE=REPLICATING'
out=$(ctl status)
ok "ctl status: exit 0" [ $? -eq 0 ]
ok "... shows the state" grep -qE '^State: +REPLICATING' <<<"$out"
ok "... and held" grep -qiE 'held' <<<"$out"
ok "... and the index with lag 0" \
    grep -qE "^$IDX +$IDX2 +0 +active" <<<"$out"
out=$(ctl status --json)
ok "ctl status --json: exit 0" [ $? -eq 0 ]
ok "... the live daemon's JSON" \
    [ "$(jq -r '"\(.pid) \(.state) \(.held)"' <<<"$out")" = \
    "$DAEMON_PID REPLICATING true" ]
out=$(ctl resume 2>&1)
ok "ctl resume: accepted" [ $? -eq 0 ]
ok "... no longer held" [ "$(st .held)" = false ]
out=$(ctl confirm 2>&1)
ok "ctl confirm with nothing pending: rejected (exit 1)" [ $? -eq 1 ]
ok "... with the daemon's reason" grep -q 'nothing to confirm' <<<"$out"
ok "... status.json records the rejection" \
    [ "$(st '.last_command | "\(.command) \(.outcome)"')" = "confirm rejected" ]
ok "... still REPLICATING, nothing pending" \
    [ "$(st '"\(.state) \(.pending)"')" = "REPLICATING null" ]

# --- garbage and unsafe control files ----------------------------------------
log_mark
printf 'frobnicate now\n' >"$DAEMON_RUN/control"
ok "garbage in the control file: logged and ignored" \
    wait_for 5 log_since_has 'warning: control: ignored "frobnicate now": '
ok "... the file is consumed" [ ! -e "$DAEMON_RUN/control" ]
ok "... the daemon is alive and polling" polls_pass 2
ok "... nothing changed" [ "$(st '"\(.state) \(.held)"')" = "REPLICATING false" ]
head -c 3000 /dev/urandom >"$DAEMON_RUN/control"
ok "binary garbage: ignored too" \
    wait_for 5 log_since_has 'warning: control: ignored "'
ok "... alive" polls_pass 2

log_mark
(umask 000; printf 'hold\n' >"$DAEMON_RUN/control"; chmod 666 "$DAEMON_RUN/control")
ok "a control file others may write: refused" \
    wait_for 5 log_since_has 'control: refusing to read commands: .*writable by group or others'
polls_pass 2
ok "... and not obeyed" [ "$(st .held)" = false ]
rm -f "$DAEMON_RUN/control"

# --- signals -----------------------------------------------------------------
kill -USR2 "$DAEMON_PID"
ok "SIGUSR2: held" wait_for 5 bash -c '[ "$(jq .held "$1")" = true ]' _ \
    "$DAEMON_RUN/status.json"
ok "... logged as from a signal" log_has 'notice: hold from signal'
log_mark
kill -USR1 "$DAEMON_PID"
ok "SIGUSR1 (confirm) with nothing pending: rejected, logged" \
    wait_for 5 log_since_has 'warning: confirm from signal .* rejected: nothing to confirm'
out=$(ctl resume)
ok "ctl resume after a signal hold" [ $? -eq 0 ]
ok "SIGTERM: exit 0" daemon_stop
ok "ctl status of a stopped daemon: not 0" bash -c '! "$@" >/dev/null 2>&1' _ \
    "$FAILOVERCTL" --runtime-dir "$DAEMON_RUN" status

# --- the on_state_change hook -----------------------------------------------
# Each state change runs the hook with the CCR_* variables of the change in
# an environment built from scratch.
daemon_dirs hook
printf '#!/bin/sh\necho "$CCR_EVENT $CCR_OLD_STATE $CCR_STATE $CCR_LEADER $CCR_FOLLOWER" >>"%s"\nenv >>"%s"\n' \
    "$TEST_DIR/hook.out" "$TEST_DIR/hook.env" >"$TEST_DIR/hook.sh"
chmod 755 "$TEST_DIR/hook.sh"
CONF_EXTRA="hooks = { on_state_change = \"$TEST_DIR/hook.sh\"; };" \
    conf_write "$TEST_DIR/hook.conf"
export CCR_TEST_LEAK=should-not-pass
ok "a daemon with an on_state_change hook starts" \
    daemon_start "$TEST_DIR/hook.conf"
unset CCR_TEST_LEAK
es_status POST "$ESSIM_clusterB_URL/$IDX2/_ccr/pause_follow" >/dev/null
ok "a state change runs the hook with its variables" \
    wait_for 5 grep -qsx 'state-changed REPLICATING DEGRADED clusterA clusterB' \
    "$TEST_DIR/hook.out"
ok "... its end is logged" \
    wait_for 5 log_has 'info: hook on_state_change \(.*\) finished: 0 after [0-9]+ ms'
es_status POST "$ESSIM_clusterB_URL/$IDX2/_ccr/resume_follow" >/dev/null
ok "... and the way back too" \
    wait_for 5 grep -qsx 'state-changed DEGRADED REPLICATING clusterA clusterB' \
    "$TEST_DIR/hook.out"
ok "... the daemon's environment does not reach it" \
    bash -c '! grep -q CCR_TEST_LEAK "$1"' _ "$TEST_DIR/hook.env"
ok "SIGTERM: exit 0" daemon_stop

# --- a gated promotion ------------------------------------------------------
# confirm_promote: a lost leader waits in AWAITING_CONFIRMATION until an
# operator confirms; a running promotion cannot be aborted. clusterB answers
# _close with 503s until told otherwise, which keeps the confirmed promotion
# running while abort is tried; then it finishes.
daemon_dirs gate
CONF_EXTRA='confirm_promote = true;' conf_write "$TEST_DIR/gate.conf"
ok "a daemon with confirm_promote starts" daemon_start "$TEST_DIR/gate.conf"
ok "... REPLICATING" wait_for 5 state_is REPLICATING
essim_kill clusterA KILL
ok "leader killed: AWAITING_CONFIRMATION" \
    wait_for 10 state_is AWAITING_CONFIRMATION
ok "... pending promote" [ "$(st .pending)" = promote ]
ok "... the gate is logged" \
    log_has 'gate-waiting: leader lost after 3 polls .*promotion waits for confirm: confirm_promote is set'
ok "... and stays" polls_pass 5
ok "... AWAITING_CONFIRMATION" state_is AWAITING_CONFIRMATION
out=$(ctl status)
ok "... ctl status shows the pending action" \
    grep -qE '^Pending: +promote' <<<"$out"
es_body POST "$ESSIM_clusterB_URL/_essim/faults" \
    '{"path":"/*/_close","method":"POST","action":"error","status":503}' \
    >/dev/null
out=$(ctl confirm)
ok "ctl confirm: accepted" [ $? -eq 0 ]
ok "... PROMOTING" state_is PROMOTING
ok "... nothing pending" [ "$(st .pending)" = null ]
ok "... the promotion retries _close" \
    wait_for 5 bash -c '[ "$(jq -r ".indices[0].action_step" "$1")" = close ]' \
    _ "$DAEMON_RUN/status.json"
out=$(ctl abort 2>&1)
ok "ctl abort of a running promotion: rejected" [ $? -eq 1 ]
ok "... past the point of no return" grep -q 'cannot be aborted' <<<"$out"
ok "... still PROMOTING" state_is PROMOTING
es_status DELETE "$ESSIM_clusterB_URL/_essim/faults" >/dev/null
ok "... then PROMOTED: clusterB leads, $IDX2 a plain open index" \
    wait_for 15 promoted_to_b
ok "SIGTERM: exit 0" daemon_stop

# --- directories from systemd's environment ---------------------------------
# Without flags the daemon takes $STATE_DIRECTORY and $RUNTIME_DIRECTORY
# (the first of a colon-separated list).
daemon_dirs env
mkdir -p "$TEST_DIR/env-state" "$TEST_DIR/env-run"
STATE_DIRECTORY="$TEST_DIR/env-state:$TEST_DIR/other" \
    RUNTIME_DIRECTORY="$TEST_DIR/env-run" \
    "$FAILOVERD" -c "$CONF" 2>"$DAEMON_LOG" &
DAEMON_PID=$!
track_pid "$DAEMON_PID"
ok "directories from the environment: status.json in RUNTIME_DIRECTORY" \
    wait_for 10 test -s "$TEST_DIR/env-run/status.json"
ok "... state.json in the first STATE_DIRECTORY" \
    wait_for 5 test -s "$TEST_DIR/env-state/state.json"
ok "SIGTERM: exit 0" daemon_stop

# --- an unsafe runtime directory ---------------------------------------------
daemon_dirs unsafe
mkdir -p "$DAEMON_RUN"
chmod 0777 "$DAEMON_RUN"
"$FAILOVERD" -c "$CONF" --state-dir "$DAEMON_STATE" \
    --runtime-dir "$DAEMON_RUN" 2>"$DAEMON_LOG" &
pid=$!
track_pid "$pid"
wait_for 10 bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
wait "$pid"
rc=$?
ok "a runtime directory others may write: the daemon refuses to start" \
    [ "$rc" -ge 1 -a "$rc" -lt 128 ]
ok "... saying why" \
    log_has "$DAEMON_RUN is writable by group or others \(mode 0777\)"
ok "... no status.json was written there" [ ! -e "$DAEMON_RUN/status.json" ]

ok "no sanitizer report from the daemons" \
    bash -c '! grep -l Sanitizer "$1"/*/daemon.log' _ "$TEST_DIR"
ok "both clusters stop cleanly" essim_stop_all

finish
