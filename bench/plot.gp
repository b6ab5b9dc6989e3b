# Promotion time against the number of follower indices, the daemon and the
# sequential curl way, both axes logarithmic. Called by bench/run.sh with
# dir (the data files, "N median min max" per line) and out (the PNG).
set terminal pngcairo size 900,560 noenhanced
set output out
set title "Promotion time on loopback against essim (median, min-max bars)"
set xlabel "follower indices"
set ylabel "milliseconds"
set logscale xy
set xrange [0.7:1500]
set grid
set key top left
plot \
    dir."/promote_ms-1.dat" using 1:2:3:4 with yerrorlines title "ccr-failoverd, 1 shard", \
    dir."/promote_ms-5.dat" using 1:2:3:4 with yerrorlines title "ccr-failoverd, 5 shards", \
    dir."/promote_seq_ms-1.dat" using 1:2:3:4 with yerrorlines title "sequential curl, 1 shard", \
    dir."/promote_seq_ms-5.dat" using 1:2:3:4 with yerrorlines title "sequential curl, 5 shards"
