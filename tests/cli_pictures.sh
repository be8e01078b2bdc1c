# End-to-end test of the field pictures: `solve -png` draws a title, panel labels and colour bars
# (the picture is larger than the bare heat maps), and `-ghia_png` at a Reynolds number Ghia et al.
# did not tabulate draws the profiles alone and says so.
source "$(dirname "$0")/lib_cli.sh"
P="$PDEOP"
cd "$work"

# png_size FILE: "width height" from the IHDR chunk
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%d %d\n", (($1 * 256 + $2) * 256 + $3) * 256 + $4, (($5 * 256 + $6) * 256 + $7) * 256 + $8 }'; }

"$P" solve poisson -mms -da_grid_x 33 -png p.png -quiet
read -r w h <<<"$(png_size p.png)"
# bare heat maps of 33 x 33 at scale 8: two panels of 264 x 264, 8 apart (536 x 264)
check "solve -png: wider than the bare panels (margins)" 'a >= 536 + 24' "$w"
check "solve -png: taller by the title, labels and colour bars" 'a >= 264 + 60' "$h"
"$P" solve ns-periodic -n 16 -T 0.02 -dt 0.01 -png w.png -quiet
read -r w h <<<"$(png_size w.png)"
check "ns-periodic -png: two 256-pixel panels with title and bars" 'a >= 2 * 256 + 24 && b >= 256 + 60' "$w" "$h"

"$P" solve cavity -re 400 -n 17 -t_max 0.5 -steady_tol 1e3 -ghia_png g.png -report r.json > g.out
[ -s g.png ] && ok "-ghia_png at Re = 400 writes the profiles" || bad "-ghia_png at Re = 400 wrote nothing"
grep -q "wrote g.png: the centerline profiles alone" g.out && ok "and says so: $(grep 'wrote g.png' g.out)" || bad "no message: $(cat g.out)"
check "-ghia_png: 1280 x 400" 'a == 1280 && b == 400' $(png_size g.png)
[ "$(jget r.json ghia_png)" = g.png ] && ok "the report names the Ghia picture" || bad "report lacks ghia_png"
"$P" solve cavity -re 100 -n 17 -t_max 0.5 -steady_tol 1e3 -ghia_png g100.png > g100.out
grep -q "wrote g100.png: the centerline profiles with Ghia et al.'s points" g100.out && ok "at Re = 100 with Ghia's points" || bad "Re = 100 message: $(cat g100.out)"
finish
