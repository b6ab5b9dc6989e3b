#!/bin/bash
# Several watchers, one actor: three daemons coordinating through a
# three-member etcd cluster watch two essims. Only the actor promotes, and
# each promotion step reaches the follower cluster once per index; another
# member finishes when the actor dies mid-promotion; a member cut from the
# leader alone promotes nothing; without etcd nothing starts until it is
# back; a command given to any member is carried out by the actor; every
# member's journal says who acted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"
. "$(dirname "$0")/ha-lib.sh"

if ! command -v "$ETCD" >/dev/null; then
	echo "# etcd not installed (tools/install-deps installs etcd-server)"
	ok "etcd is installed" false
	finish
fi

# ha_scenario NAME: fresh clusters (clusterB logging requests), etcd and
# the three members' configurations, for one scenario.
ha_scenario() {
	at_scenario "$1"
	AT_B_FLAGS="--request-log $AT_DIR/b-requests.log"
	ok "$1: clusters set up" at_setup 2
	local m
	for m in $HA_MEMBERS; do
		ha_conf "$m" "${HA_EXTRA:-}"
	done
}

# ha_end: stop the members (etcd stays, each scenario has its prefix).
ha_end() {
	ok "members stop cleanly" ha_stop_all
}

ok "etcd cluster of three starts" etcd_setup

echo "# --- the leader is lost: exactly one member promotes"
ha_scenario lost
# Every member has hooks; only the actor may start them.
for m in $HA_MEMBERS; do
	printf '#!/bin/sh\necho "$CCR_HOOK $CCR_EVENT" >>"%s"\n' \
	    "$AT_DIR/hooks-$m.ran" >"$AT_DIR/hook-$m"
	chmod 755 "$AT_DIR/hook-$m"
	ha_conf "$m" "hooks = { on_promote = \"$AT_DIR/hook-$m\"; on_state_change = \"$AT_DIR/hook-$m\"; };"
done
for m in $HA_MEMBERS; do
	ok "lost: $m starts" ha_start "$m"
done
ok "lost: one actor, named by every member" wait_for 15 ha_one_actor
ok "lost: every member lists three members" \
    wait_for 10 eval 'ha_members_seen m1 3 && ha_members_seen m2 3 && ha_members_seen m3 3'
actor=$(ha_actor)
other=
for m in $HA_MEMBERS; do
	[ "$m" != "$actor" ] && { other=$m; break; }
done
echo "# actor: $actor, a command goes to $other"
out=$("$FAILOVERCTL" --runtime-dir "$AT_DIR/$other/run" hold 2>&1)
ok "lost: hold given to $other is carried out by $actor ($out)" \
    has "$out" "hold: accepted by $actor"
ok "lost: every member shows the hold" \
    wait_for 10 eval '[ "$(ha_get m1 .held)$(ha_get m2 .held)$(ha_get m3 .held)" = truetruetrue ]'
ok "lost: $other's status names who carried it out" \
    [ "$(ha_get "$other" .last_command.by)" = "$actor" ]
ok "lost: $actor's journal has the command from $other" \
    grep -q "hold from member $other .* accepted by $actor" "$AT_DIR/$actor.log"
out=$("$FAILOVERCTL" --runtime-dir "$AT_DIR/$other/run" resume 2>&1)
ok "lost: resume through $other ($out)" has "$out" "resume: accepted by $actor"
ok "lost: no member holds any more" \
    wait_for 10 eval '[ "$(ha_get m1 .held)$(ha_get m2 .held)$(ha_get m3 .held)" = falsefalsefalse ]'
at_kill clusterA KILL
ok "lost: every member reports PROMOTED, clusterB leading" \
    wait_for 20 ha_all_state PROMOTED clusterB
ok "lost: clusterB's indices are plain and open" all_plain "$B" $AT_B
ok "lost: each step reached clusterB once per index" \
    steps_once "$AT_DIR/b-requests.log" $AT_B
ok "lost: the actor ran on_promote once" \
    wait_for 10 eval '[ "$(grep -c "^on_promote " "$AT_DIR/hooks-$actor.ran")" = 1 ]'
ok "lost: the actor's journal says it acted" \
    grep -q "coordination: $actor is the actor" "$AT_DIR/$actor.log"
for m in $HA_MEMBERS; do
	[ "$m" = "$actor" ] && continue
	ok "lost: $m's journal records the promotion by $actor" \
	    grep -qE "state [A-Z_]+ -> PROMOT(ING|ED) by $actor" "$AT_DIR/$m.log"
	ok "lost: $m sent no mutating request" sent_nothing "$m"
	ok "lost: $m started no hook" [ ! -e "$AT_DIR/hooks-$m.ran" ]
done
ha_end

echo "# --- the actor is killed mid-promotion: another member finishes it"
ha_scenario crash
for m in $HA_MEMBERS; do
	ok "crash: $m starts" ha_start "$m"
done
ok "crash: one actor" wait_for 15 ha_one_actor
actor=$(ha_actor)
echo "# actor: $actor"
# The actor's unfollow requests hang: it is killed with them on the wire.
ok "crash: unfollow hangs on clusterB" \
    fault "$B" '{"path":"/*/_ccr/unfollow","action":"hang","count":2}'
at_kill clusterA KILL
ok "crash: the actor sent both unfollow requests" \
    wait_for 20 eval '[ "$(grep -c "_ccr/unfollow" "$AT_DIR/b-requests.log")" = 2 ]'
t0=$(date +%s%3N)
ha_kill "$actor" KILL
ok "crash: every other member reports PROMOTED, clusterB leading" \
    wait_for 20 ha_all_state PROMOTED clusterB
# Finished: the last _open reached clusterB (its request log, wall ms).
ms=$(( $(grep -E ' POST /[^ ]*/_open' "$AT_DIR/b-requests.log" |
    tail -n 1 | cut -d' ' -f1) - t0 ))
# etcd looks for expired leases every 500 ms: that much on top at worst.
limit=$((HA_TTL * 1000 + HA_POLL_MS + 500))
echo "# promotion finished $ms ms after the actor died (lease TTL + a poll + etcd's expiry check: $limit ms)"
ok "crash: finished within the lease TTL plus a poll ($ms ms)" \
    [ "$ms" -le "$limit" ]
new=$(ha_actor)
ok "crash: another member acts ($new)" [ -n "$new" ] && [ "$new" != "$actor" ]
ok "crash: it resumed the recorded promotion" \
    grep -q "coordination: $new is the actor: PROMOTING.*resuming the recorded action" "$AT_DIR/$new.log"
ok "crash: clusterB's indices are plain and open" all_plain "$B" $AT_B
ok "crash: pause and close reached clusterB once per index" \
    eval '[ "$(requests "$AT_DIR/b-requests.log" POST _ccr/pause_follow logs1-dr)$(requests "$AT_DIR/b-requests.log" POST _ccr/pause_follow logs2-dr)" = 11 ]'
faults_clear "$B"
# A clean stop hands the role over at once: the lease is revoked.
t0=$(date +%s%N)
ha_kill "$new" TERM
ok "stop: another member acts well before the lease would expire" \
    wait_for 10 eval '[ -n "$(ha_actor)" ]'
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# a member acts $ms ms after the actor was stopped (lease TTL: $((HA_TTL * 1000)) ms)"
ok "stop: within two thirds of the TTL ($ms ms)" [ "$ms" -lt $((HA_TTL * 2000 / 3)) ]
ok "stop: the stopped actor revoked its lease" \
    grep -q "coordination: $new resigns" "$AT_DIR/$new.log"
ha_end

echo "# --- one member cut from the leader alone: no promotion"
ha_scenario cut
ha_free_port
AT_URL_A=$ESSIM_SCHEME://127.0.0.1:$HA_PORT ha_conf m3
# m3 acts: it sees the leader down, and the follower's link is cut too, so
# only the quorum keeps it from promoting.
ok "cut: m3 starts" ha_start m3
ok "cut: m3 acts" wait_for 15 eval '[ "$(ha_actor)" = m3 ]'
ok "cut: m1 starts" ha_start m1
ok "cut: m2 starts" ha_start m2
ok "cut: m3 sees m1 and m2" wait_for 10 ha_members_seen m3 3
ok "cut: clusterB's link to clusterA is cut" \
    [ "$(es_status POST "$B/_essim/link" '{"mode":"refuse"}')" = 200 ]
ok "cut: m3 says the quorum is short" \
    wait_for 15 eval 'has "$(ha_get m3 .reason)" "1 of 3 watchers see the leader down, quorum 2"' 
sleep 2
ok "cut: no member promotes" ha_none_in PROMOTING PROMOTED
ok "cut: nothing reached clusterB" no_mutation "$AT_DIR/b-requests.log"
es_status POST "$B/_essim/link" '{"mode":"ok"}' >/dev/null
ha_end

echo "# --- etcd stopped, then the leader lost: nothing until etcd is back"
ha_scenario noetcd
for m in $HA_MEMBERS; do
	ok "noetcd: $m starts" ha_start "$m"
done
ok "noetcd: one actor" wait_for 15 ha_one_actor
etcd_stop
ok "noetcd: every member says coordination is unavailable" \
    wait_for 10 ha_etcd_reachable_all false
ok "noetcd: nobody acts" wait_for 10 eval '[ -z "$(ha_actor)" ]'
ok "noetcd: journals say so" \
    grep -q "coordination unavailable" "$AT_DIR/m1.log"
at_kill clusterA KILL
sleep 3
ok "noetcd: no member promotes without etcd" ha_none_in PROMOTING PROMOTED
ok "noetcd: nothing reached clusterB" no_mutation "$AT_DIR/b-requests.log"
ok "noetcd: polling goes on" \
    eval '[ "$(ha_get m1 .clusters.clusterA.reachable)" = false ]'
ok "noetcd: etcd is back" etcd_restart
ok "noetcd: every member reports PROMOTED, clusterB leading" \
    wait_for 20 ha_all_state PROMOTED clusterB
ok "noetcd: each step reached clusterB once per index" \
    steps_once "$AT_DIR/b-requests.log" $AT_B
ok "noetcd: journals say etcd is reachable again" \
    grep -q "coordination available again" "$AT_DIR/m1.log"
ha_end

echo "# --- etcd with authentication: the password from a file, never shown"
if command -v etcdctl >/dev/null; then
	ep=127.0.0.1:$ETCD_C1
	ectl() { ETCDCTL_API=3 etcdctl --endpoints "$ep" "$@" >/dev/null 2>&1; }
	ok "auth: etcd users and roles" eval 'ectl user add root:r00t-pw &&
	    ectl user add ccr:s3cret-etcd-pw && ectl role add ccr &&
	    ectl role grant-permission ccr --prefix=true readwrite /ccr-failoverd/ &&
	    ectl user grant-role ccr ccr && ectl auth enable'
	ok "auth: etcd refuses a request without credentials" \
	    has "$("$CURL" -s "http://$ep/v3/kv/put" -d '{"key":"eA==","value":"eA=="}')" \
	    "user name is empty"
	ha_scenario auth
	printf 's3cret-etcd-pw\n' >"$AT_DIR/etcd-password"
	chmod 600 "$AT_DIR/etcd-password"
	HA_QUORUM=1 ha_conf m1
	sed -i "s|lease_ttl_s = $HA_TTL;|& username = \"ccr\"; password_file = \"$AT_DIR/etcd-password\";|" \
	    "$AT_DIR/m1.conf"
	ok "auth: m1 starts" ha_start m1
	ok "auth: m1 authenticates and acts" wait_for 15 eval '[ "$(ha_actor)" = m1 ]'
	ok "auth: the password is in no log or status file" \
	    eval '! grep -rq s3cret-etcd-pw "$AT_DIR/m1.log" "$AT_DIR/m1/run" "$AT_DIR/m1/state"'
	ha_end
	ectl --user root:r00t-pw auth disable
else
	ok "etcdctl is installed (tools/install-deps installs etcd-client)" false
fi
at_end
etcd_stop

finish
