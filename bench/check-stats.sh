#!/bin/bash
# The benchmark's own arithmetic: median (odd and even counts, unsorted
# input), min, max and grouping by key in bench/lib.sh, so a wrong figure in
# the README cannot come from the aggregation.
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$abs_top_srcdir/bench/lib.sh"

out=$(printf '%s\n' 'det,refused,30' 'det,refused,10' 'det,refused,20' \
    'poll,10,5,4' 'poll,10,5,1' 'poll,10,5,3' 'poll,10,5,2' \
    'rss,7.5' | bench_aggregate)
expected='det,refused,3,20,10,30
poll,10,5,4,2.50,1,4
rss,1,7.50,7.50,7.50'
ok "median, min and max per key, in first-seen order" [ "$out" = "$expected" ]
ok "a single large sample" [ "$(echo 'x,123456' | bench_aggregate)" = \
    'x,1,123456,123456,123456' ]
ok "small fractions keep three decimals" \
    [ "$(printf 'r,0.1234\nr,0.5\n' | bench_aggregate)" = 'r,2,0.312,0.123,0.500' ]
ok "ratio" [ "$(bench_ratio 3000 1000)" = 3.000 ]
ok "ratio by zero" [ "$(bench_ratio 1 0)" = n/a ]
ok "ISO timestamp to ms" \
    [ "$(bench_iso_ms 2026-01-02T03:04:05.678Z)" = 1767323045678 ]
finish
