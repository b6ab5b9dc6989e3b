#!/bin/bash
# The shipped example configuration is one the daemon accepts.
. "$(dirname "$0")/lib.sh"

example="$abs_top_srcdir/etc/ccr-failoverd.conf"
out=$("$FAILOVERD" -t -c "$example" 2>&1)
ok "ccr-failoverd -t accepts etc/ccr-failoverd.conf" [ $? -eq 0 ]
ok "and says nothing about it" [ -z "$out" ]
printed=$("$FAILOVERD" --print-config -c "$example")
ok "its clusters are the tutorial's" grep -q 'clusterA' <<<"$printed"
ok "its indices are the tutorial's" \
    grep -q 'kibana_sample_data_ecommerce2' <<<"$printed"

finish
