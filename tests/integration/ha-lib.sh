# Helpers for the tests of several watchers coordinating through etcd,
# sourced after lib.sh and action-lib.sh: a three-member etcd cluster on
# 127.0.0.1 (etcd needs its ports on the command line: free ones are picked
# at start), and three daemons m1 m2 m3 on the clusters at_setup built,
# each with its own configuration, state, runtime directory and log.

ETCD=${ETCD:-etcd}
HA_MEMBERS="m1 m2 m3"
HA_TTL=${HA_TTL:-3}		# lease_ttl_s
HA_POLL_MS=200
ETCD_NAMES=
ETCD_CLUSTER=
ETCD_ENDPOINTS=

# ha_free_port: set HA_PORT to a port on 127.0.0.1 nothing listens on now
# and no earlier call picked, below the ephemeral range (where outgoing
# connections take their local ports, which a listener cannot bind).
ha_free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${lo:-0}" -gt 12000 ] || lo=32768
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		case " ${HA_PORTS_TAKEN:-} " in *" $p "*) continue ;; esac
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			HA_PORTS_TAKEN="${HA_PORTS_TAKEN:-} $p"
			HA_PORT=$p
			return
		fi
	done
}

# etcd_start_one N: start etcd member eN (its ports picked by etcd_setup).
etcd_start_one() {
	local n=$1 c p pid
	c=$(eval echo "\$ETCD_C$n")
	p=$(eval echo "\$ETCD_P$n")
	"$ETCD" --name "e$n" --data-dir "$TEST_DIR/etcd-e$n" \
	    --listen-client-urls "http://127.0.0.1:$c" \
	    --advertise-client-urls "http://127.0.0.1:$c" \
	    --listen-peer-urls "http://127.0.0.1:$p" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$p" \
	    --initial-cluster "$ETCD_CLUSTER" \
	    --initial-cluster-token "ccr-$$" --initial-cluster-state new \
	    --heartbeat-interval 50 --election-timeout 500 \
	    --logger zap --log-level error \
	    >>"$TEST_DIR/etcd-e$n.log" 2>&1 &
	pid=$!
	track_pid "$pid"
	eval "ETCD_PID$n=$pid"
}

# etcd_healthy N: member eN answers /health true.
etcd_healthy() {
	"$CURL" -s -m 2 "http://127.0.0.1:$(eval echo "\$ETCD_C$1")/health" |
	    grep -q '"health":"true"'
}

# etcd_setup: pick ports and start e1 e2 e3; wait until all are healthy.
# A port taken meanwhile by someone else means new ports and a new start.
etcd_setup() {
	local try
	for try in 1 2 3; do
		etcd_setup_once && return 0
		etcd_stop
		rm -rf "$TEST_DIR"/etcd-e?
	done
	return 1
}
etcd_setup_once() {
	local n
	ETCD_CLUSTER=
	ETCD_ENDPOINTS=
	for n in 1 2 3; do
		ha_free_port
		eval "ETCD_C$n=$HA_PORT"
		ha_free_port
		eval "ETCD_P$n=$HA_PORT"
		ETCD_CLUSTER="$ETCD_CLUSTER${ETCD_CLUSTER:+,}e$n=http://127.0.0.1:$(eval echo "\$ETCD_P$n")"
		ETCD_ENDPOINTS="$ETCD_ENDPOINTS${ETCD_ENDPOINTS:+, }\"http://127.0.0.1:$(eval echo "\$ETCD_C$n")\""
	done
	for n in 1 2 3; do
		etcd_start_one "$n"
	done
	for n in 1 2 3; do
		wait_for 20 etcd_healthy "$n" || {
			cat "$TEST_DIR/etcd-e$n.log" >&2
			return 1
		}
	done
	! grep -q 'address already in use' "$TEST_DIR"/etcd-e?.log
}

# etcd_stop: stop every member (SIGTERM) and wait.
etcd_stop() {
	local n pid
	for n in 1 2 3; do
		pid=$(eval echo "\${ETCD_PID$n:-}")
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		at_forget_pid "$pid"
		eval "ETCD_PID$n="
	done
}

# etcd_restart: start the members again on their ports and data.
etcd_restart() {
	local n
	for n in 1 2 3; do
		etcd_start_one "$n"
	done
	for n in 1 2 3; do
		wait_for 20 etcd_healthy "$n" || return 1
	done
}

# ha_conf M [EXTRA...]: the configuration of member M (with at_config's
# settings and the EXTRA lines) in $AT_DIR/M.conf.
ha_conf() {
	local m=$1
	shift
	at_config "poll_interval_ms = $HA_POLL_MS;" "$@" \
	    "coordination = { etcd = { endpoints = [ $ETCD_ENDPOINTS ]; prefix = \"/ccr-failoverd/test-$$/${AT_DIR##*/}\"; lease_ttl_s = $HA_TTL; }; member = \"$m\"; quorum = ${HA_QUORUM:-2}; };"
	mv "$DAEMON_CONF" "$AT_DIR/$m.conf"
}

# ha_start M [FLAGS...]: run member M on its configuration; waits for its
# first status after a poll.
ha_start() {
	local m=$1 pid
	shift
	mkdir -p "$AT_DIR/$m/state" "$AT_DIR/$m/run"
	chmod 700 "$AT_DIR/$m/state" "$AT_DIR/$m/run"
	"$FAILOVERD" -c "$AT_DIR/$m.conf" --state-dir "$AT_DIR/$m/state" \
	    --runtime-dir "$AT_DIR/$m/run" --log-level debug "$@" \
	    2>>"$AT_DIR/$m.log" &
	pid=$!
	track_pid "$pid"
	eval "HA_PID_$m=$pid"
	wait_for 10 ha_polled "$m"
}

# ha_polled M: member M has written a status after a poll.
ha_polled() {
	[ "$(ha_get "$1" .pid)" = "$(eval echo "\$HA_PID_$1")" ] &&
	    [ "$(ha_get "$1" .last_poll)" != null ]
}

# ha_kill M [SIGNAL]: end member M (default TERM) and wait for it.
ha_kill() {
	local pid
	pid=$(eval echo "\${HA_PID_$1:-}")
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	at_forget_pid "$pid"
	eval "HA_PID_$1="
}

# ha_stop_all: SIGTERM every member; fails unless each exits 0 and no
# sanitizer report is in its log.
ha_stop_all() {
	local m pid rc=0
	for m in $HA_MEMBERS; do
		pid=$(eval echo "\${HA_PID_$m:-}")
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null || rc=1
		wait "$pid" || rc=1
		at_forget_pid "$pid"
		eval "HA_PID_$m="
		if grep -q 'Sanitizer\|runtime error' "$AT_DIR/$m.log"; then
			grep -A20 'Sanitizer\|runtime error' "$AT_DIR/$m.log" >&2
			rc=1
		fi
	done
	return $rc
}

# ha_get M JQ-FILTER: a value of member M's status.json (raw).
ha_get() {
	jq -r "$2" "$AT_DIR/$1/run/status.json" 2>/dev/null
}

# ha_actor: the member whose status says it acts (empty: none).
ha_actor() {
	local m
	for m in $HA_MEMBERS; do
		[ -n "$(eval echo "\${HA_PID_$m:-}")" ] || continue
		if [ "$(ha_get "$m" .coordination.acting)" = true ]; then
			echo "$m"
			return
		fi
	done
}

# ha_one_actor: exactly one live member acts, and every live one names it.
ha_one_actor() {
	local m a n=0
	a=$(ha_actor)
	[ -n "$a" ] || return 1
	for m in $HA_MEMBERS; do
		[ -n "$(eval echo "\${HA_PID_$m:-}")" ] || continue
		[ "$(ha_get "$m" .coordination.actor)" = "$a" ] || return 1
		[ "$(ha_get "$m" .coordination.acting)" = true ] && n=$((n + 1))
	done
	[ "$n" = 1 ]
}

# ha_all_state STATE LEADER: every live member's status says so.
ha_all_state() {
	local m
	for m in $HA_MEMBERS; do
		[ -n "$(eval echo "\${HA_PID_$m:-}")" ] || continue
		[ "$(ha_get "$m" .state)" = "$1" ] || return 1
		[ "$(ha_get "$m" .leader)" = "$2" ] || return 1
	done
}

# ha_none_in STATE...: no live member's status is in one of the states.
ha_none_in() {
	local m s
	for m in $HA_MEMBERS; do
		[ -n "$(eval echo "\${HA_PID_$m:-}")" ] || continue
		s=$(ha_get "$m" .state)
		case " $* " in *" $s "*) return 1 ;; esac
	done
}

# ha_members_seen M N: member M's status lists N members.
ha_members_seen() {
	[ "$(ha_get "$1" '.coordination.members | length')" = "$2" ]
}

# ha_etcd_reachable_all true|false: what every live member says of etcd.
ha_etcd_reachable_all() {
	local m
	for m in $HA_MEMBERS; do
		[ -n "$(eval echo "\${HA_PID_$m:-}")" ] || continue
		[ "$(ha_get "$m" .coordination.etcd_reachable)" = "$1" ] ||
		    return 1
	done
}

# requests LOG METHOD STEP INDEX: how many requests in essim's request log
# carried out STEP (e.g. _close) on INDEX, alone or in a comma list.
requests() {
	grep -cE "^[0-9]+ $2 /([^ /]*,)?$4(,[^ /]*)?/$3([? ]|$)" "$1"
}

# steps_once LOG INDEX...: each promotion step reached clusterB once per
# index.
steps_once() {
	local log=$1 i
	shift
	for i in "$@"; do
		[ "$(requests "$log" POST _ccr/pause_follow "$i")" = 1 ] &&
		    [ "$(requests "$log" POST _close "$i")" = 1 ] &&
		    [ "$(requests "$log" POST _ccr/unfollow "$i")" = 1 ] &&
		    [ "$(requests "$log" POST _open "$i")" = 1 ] || {
			echo "# $i: $(grep -E "/([^ /]*,)?$i(,[^ /]*)?/_(ccr/pause_follow|close|ccr/unfollow|open)" "$log" | cut -d' ' -f2,3 | tr '\n' ';')" >&2
			return 1
		}
	done
}

# no_mutation LOG: no promotion step reached the cluster.
no_mutation() {
	! grep -qE ' POST /[^ ]*/_(ccr/pause_follow|close|ccr/unfollow|open)' "$1"
}

# sent_nothing M: member M's log shows no mutating request it sent.
sent_nothing() {
	! grep -qE 'debug: (POST|PUT|DELETE) /' "$AT_DIR/$1.log"
}
