#!/usr/bin/env python3
"""Write examples/lshape.msh: the L-shaped domain [-1,1]^2 minus (0,1]x[-1,0), three unit squares
cut into k x k cells of two triangles, in Gmsh's 2.2 ASCII format with physical tags
(1 = boundary lines, 2 = the surface). Usage: python3 lshape_msh.py [k] > lshape.msh"""
import sys

k = int(sys.argv[1]) if len(sys.argv) > 1 else 2
h = 1.0 / k
nodes = {}
def node(x, y):
    key = (round(x, 12), round(y, 12))
    if key not in nodes:
        nodes[key] = len(nodes) + 1
    return nodes[key]

tris = []
for (x0, y0) in [(-1.0, -1.0), (-1.0, 0.0), (0.0, 0.0)]:
    for j in range(k):
        for i in range(k):
            a = node(x0 + i * h, y0 + j * h)
            b = node(x0 + (i + 1) * h, y0 + j * h)
            c = node(x0 + (i + 1) * h, y0 + (j + 1) * h)
            d = node(x0 + i * h, y0 + (j + 1) * h)
            tris += [(a, b, c), (a, c, d)]

# boundary edges: edges used by exactly one triangle
count = {}
for t in tris:
    for e in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])]:
        key = tuple(sorted(e))
        count[key] = count.get(key, 0) + 1
edges = [e for e, c in count.items() if c == 1]

out = ["$MeshFormat", "2.2 0 8", "$EndMeshFormat", "$PhysicalNames", "2",
       '1 1 "boundary"', '2 2 "domain"', "$EndPhysicalNames", "$Nodes", str(len(nodes))]
for (x, y), n in sorted(nodes.items(), key=lambda t: t[1]):
    out.append("%d %.12g %.12g 0" % (n, x, y))
out += ["$EndNodes", "$Elements", str(len(edges) + len(tris))]
m = 0
for a, b in edges:
    m += 1
    out.append("%d 1 2 1 1 %d %d" % (m, a, b))
for a, b, c in tris:
    m += 1
    out.append("%d 2 2 2 2 %d %d %d" % (m, a, b, c))
out.append("$EndElements")
print("\n".join(out))
