SPID=$1; end=$((SECONDS+8)); while [ $SECONDS -lt $end ]; do for t in /proc/$SPID/task/*; do tid=${t##*/}; [ "$tid" != "$SPID" ] && renice -n 10 -p $tid >/dev/null 2>&1; done; sleep 0.3; done
