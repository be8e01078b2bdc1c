# End-to-end test of the Taylor-Green check of `pdeop solve ns-periodic`: the relative L2 error of
# the vorticity against the exact decay, in the summary line and the report, and its convergence in dt.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"

"$P" solve ns-periodic -ns_init taylor-green -n 32 -nu 0.01 -T 0.5 -dt 0.01 -report a.json > a.out
grep -q "relative L2 error of the vorticity against the exact decay" a.out && ok "the summary line gives the error: $(tail -1 a.out)" || bad "no error in the summary: $(cat a.out)"
"$P" solve ns-periodic -ns_init taylor-green -n 32 -nu 0.01 -T 0.5 -dt 0.005 -report b.json -quiet
ea="$(jget a.json error)"; eb="$(jget b.json error)"
check "Taylor-Green error is small" 'a > 0 && a < 1e-3' "$ea"
check "Taylor-Green error falls with dt (second order: about 4x)" 'a / b > 3 && a / b < 5' "$ea" "$eb"
"$P" solve ns-periodic -n 16 -T 0.02 -dt 0.01 -report c.json -quiet
[ -z "$(jget c.json error)" ] && ok "a random initial vorticity reports no error" || bad "random run reports error $(jget c.json error)"
finish
