#!/bin/bash
# The command-line contract of both programs: --version, --help, bad flags.
. "$(dirname "$0")/lib.sh"

out=$("$FAILOVERD" --version)
ok "ccr-failoverd --version names the program" [ "${out%% *}" = ccr-failoverd ]
ok "ccr-failoverd -h exits 0" "$FAILOVERD" -h
"$FAILOVERD" --no-such-flag >/dev/null 2>&1
ok "ccr-failoverd rejects an unknown flag with 2" [ $? -eq 2 ]
"$FAILOVERD" --log-level loud >/dev/null 2>&1
ok "ccr-failoverd rejects an unknown log level" [ $? -eq 2 ]
out=$("$FAILOVERCTL" --version)
ok "ccr-failoverctl --version names the program" [ "${out%% *}" = ccr-failoverctl ]
ok "ccr-failoverctl -h exits 0" "$FAILOVERCTL" -h

finish
