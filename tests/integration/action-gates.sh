#!/bin/bash
# Manual gates against two essim clusters and the real daemon: with
# confirm_promote a lost leader waits for the operator, who confirms by the
# control file, by SIGUSR1 and by ccr-failoverctl (one round each, the roles
# going back and forth); hold stops automatic promotion while polling goes
# on and resume lets it proceed; a pre_promote hook that exits 1 holds the
# promotion until confirm; and after an automatic promotion and failback, a
# second loss within failover_block_s waits for confirmation. While a gate
# holds, the surviving cluster's followers are checked to be untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# waiting_promote: AWAITING_CONFIRMATION with a pending promote.
waiting_promote() {
	state_is AWAITING_CONFIRMATION && [ "$(status_get .pending)" = promote ]
}

# leader_idx N / follower_idx N: logsN / logsN-dr by cluster (A or B).
names_on() {
	if [ "$1" = A ]; then echo $AT_A; else echo $AT_B; fi
}

# poll_advances: status.json's last_poll moves on.
poll_advances() {
	local first
	first=$(status_get .last_poll)
	wait_for 3 eval '[ "$(status_get .last_poll)" != "$first" ]'
}

# gate_round TAG LOST SURVIVOR HOW: kill cluster LOST, see the promotion
# wait with SURVIVOR's followers untouched, confirm by HOW (file, signal or
# ctl), see SURVIVOR promoted, then bring LOST back and see it fail back.
gate_round() {
	local tag=$1 lost=$2 surv=$3 how=$4 url lurl
	url=$([ "$surv" = A ] && echo "$A" || echo "$B")
	ok "$tag: replicating, cluster$lost leads" \
	    wait_state 10 REPLICATING "cluster$lost"
	at_kill "cluster$lost" KILL
	ok "$tag: the promotion waits for confirmation" \
	    wait_for 15 waiting_promote
	sleep 0.5
	ok "$tag: still waiting" waiting_promote
	ok "$tag: cluster$surv's indices are untouched followers" \
	    all_active "$url" $(names_on "$surv")
	case $how in
	file)
		echo confirm >"$DAEMON_RUN/control"
		;;
	signal)
		kill -USR1 "$DAEMON_PID"
		;;
	ctl)
		ok "$tag: ccr-failoverctl confirm is accepted" \
		    ctl_ok confirm
		;;
	esac
	ok "$tag: confirmed by $how: promoted, cluster$surv leads" \
	    wait_state 15 PROMOTED "cluster$surv"
	ok "$tag: cluster$surv's indices are plain open indices" \
	    all_plain "$url" $(names_on "$surv")
	ok "$tag: the new leader takes writes" \
	    writable "$url" "$(names_on "$surv" | cut -d' ' -f1)"
	if [ "$lost" = A ]; then at_start_a; else at_start_b; fi
	ok "$tag: failed back, cluster$surv leads" \
	    wait_state 15 REPLICATING "cluster$surv"
	lurl=$([ "$lost" = A ] && echo "$A" || echo "$B")
	ok "$tag: cluster$lost follows" all_active "$lurl" $(names_on "$lost")
}

# --- confirm_promote: confirm by control file, SIGUSR1 and ccr-failoverctl ----
at_scenario confirm
at_setup 3
at_config "confirm_promote = true;"
daemon_start
gate_round file A B file
ok "file: the command was consumed" [ ! -e "$DAEMON_RUN/control" ]
gate_round signal B A signal
gate_round ctl A B ctl
ok "ctl: the log names each confirm" \
    [ "$(grep -c 'confirm from' "$DAEMON_LOG")" -ge 3 ]

# --- hold stops automatic promotion; resume lets it proceed -------------------
at_scenario hold
at_setup 3
at_config
daemon_start
ok "hold: replicating" wait_state 10 REPLICATING clusterA
ok "hold: ccr-failoverctl hold is accepted" ctl_ok hold
ok "hold: status says held" [ "$(status_get .held)" = true ]
at_kill clusterA KILL
lost_seen() {
	[ "$(status_get .clusters.clusterA.consecutive_failures)" -ge 6 ]
}
ok "hold: the leader's failures are counted" wait_for 10 lost_seen
ok "hold: polling goes on" poll_advances
ok "hold: no promotion" eval '! log_has "promote started"'
ok "hold: the state did not move past the loss" \
    eval '! state_is PROMOTING && ! state_is PROMOTED'
ok "hold: clusterB's indices are untouched followers" all_active "$B" $AT_B
ok "hold: resume is accepted" ctl_ok resume
ok "hold: promoted after resume" wait_state 15 PROMOTED clusterB
ok "hold: clusterB's indices are plain open indices" all_plain "$B" $AT_B
ok "hold: SIGUSR2 holds again" eval 'kill -USR2 $DAEMON_PID &&
    wait_for 3 eval "[ \"\$(status_get .held)\" = true ]"'

# --- a pre_promote hook that exits 1 vetoes until confirm ---------------------
at_scenario veto
at_setup 3
at_config "$(at_hooks pre_promote)"
echo 1 >"$AT_DIR/veto"
daemon_start
ok "veto: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "veto: the promotion waits for confirmation" wait_for 15 waiting_promote
ok "veto: pre_promote ran" grep -q '^CCR_EVENT=pre-promote$' \
    "$AT_DIR/hook-pre_promote.env"
ok "veto: ... told the leader to fence" \
    grep -q '^CCR_OLD_LEADER=clusterA$' "$AT_DIR/hook-pre_promote.env"
ok "veto: the reason names the hook" \
    has "$(status_get .reason)" pre_promote
sleep 0.5
ok "veto: still waiting" waiting_promote
ok "veto: clusterB's indices are untouched followers" all_active "$B" $AT_B
ok "veto: confirm is accepted" ctl_ok confirm
ok "veto: promoted" wait_state 15 PROMOTED clusterB
ok "veto: clusterB's indices are plain open indices" all_plain "$B" $AT_B

# --- anti-flap: a second loss within failover_block_s waits -------------------
at_scenario antiflap
at_setup 3
at_config "failover_block_s = 600;"
daemon_start
ok "anti-flap: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "anti-flap: first loss promoted automatically" \
    wait_state 15 PROMOTED clusterB
at_start_a
ok "anti-flap: failed back, clusterB leads" wait_state 15 REPLICATING clusterB
ok "anti-flap: clusterA follows" all_active "$A" $AT_A
ok "anti-flap: the block is in the state file" \
    [ "$(state_get .failover_block_until)" != null ]
at_kill clusterB KILL
ok "anti-flap: second loss waits for confirmation" \
    wait_for 15 waiting_promote
sleep 0.5
ok "anti-flap: still waiting" waiting_promote
ok "anti-flap: clusterA's indices are untouched followers" \
    all_active "$A" $AT_A
ok "anti-flap: confirm is accepted" ctl_ok confirm
ok "anti-flap: promoted, clusterA leads" wait_state 15 PROMOTED clusterA
ok "anti-flap: clusterA's indices are plain open indices" \
    all_plain "$A" $AT_A

at_end
finish
