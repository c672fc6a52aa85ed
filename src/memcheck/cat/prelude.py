"""The names every model sees before its first line: memcheck's replacement
for herd's stdlib.cat plus the derived communication relations.

Written in cat so that explanations can label edges with these names.
"""
from __future__ import annotations

PRELUDE_SOURCE = "<prelude>"

# Native primitives: domain, range, different-values (compiled to the DAG);
# map, cross, linearisations, classes-loc, classes (evaluated by interp.py).
PRIMITIVES = ("domain", "range", "different-values", "map", "cross", "linearisations",
              "classes-loc", "classes", "same-oa", "oa-changes", "at-least-one-writable")

# herd's primitives on page-table entry values: no event memcheck builds
# carries one (herd's vmsa variant is refused), so each is empty, as herd's
# are on such executions.
NO_PTE_PRIMITIVES = frozenset({"same-oa", "oa-changes", "at-least-one-writable"})

PRELUDE = r'''
let emptyset = 0
let id = try id with [_]
let M = try M with R | W
let FW = try FW with (W \ domain(co)) & (try _observed with _)
let po-loc = po & loc
let co0 = loc & ((IW * (W \ IW)) | ((W \ FW) * FW))
let rfe = rf & ext
let rfi = rf & int
let coe = co & ext
let coi = co & int
let fr = rf^-1 ; co
let fre = fr & ext
let fri = fr & int
let toid (s) = [s]
let fencerel (S) = (po & (_ * S)) ; po
let ctrlcfence (c, S) = (c & (_ * S)) ; po
let imply (a, b) = ~a | b
let nodetour (r1, r2, r3) = r1 \ (r2 ; r3)
let singlestep (r) = nodetour (r, r, r)
let udr (r) = domain (r) | range (r)
let partition = classes-loc
let lxsx = rmw \ (try amo with 0)
let PoD = try B with 0
let BR = PoD
let inv-field = try inv-domain with 0
'''
