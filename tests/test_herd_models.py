"""herd's own architecture models (aarch64.cat, ppc.cat, x86tso.cat,
riscv.cat and any cat file) read from herd's library.

Without the shared files: the events herd's semantics give RISC-V
instructions, model files naming no architecture, a `with` whose choices
depend on rf, RISC-V AMOs as herd's single event, --arch, --variant and
refusals.  With ../shared (skipped otherwise): conformance of herd's models
with herd7.tsv and agreement with memcheck's own models on a seeded sample
of each architecture's corpus, litmus/vma-pte under both kinds of model,
C tests through their lowering (the cost of herd's models against ours is
measured by scripts/conformance_arch.py, not here).
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memcheck.api import Session
from memcheck.checker import Checker, parse_test_text, read_test
from memcheck.cli import main
from memcheck.corpus.herd_tsv import canonical_herd_states, canonical_states, read_herd_tsv
from memcheck.errors import MemcheckError
from memcheck.litmus.parse_asm import parse_asm_litmus
from memcheck.lower.asm import lower_asm
from memcheck.lower.herd_view import herd_names

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
HERD_LIBDIR = SHARED / "herd-libdir"
ARCH_CORPUS = SHARED / "corpus" / "arch"
# corpus folder -> (memcheck's own model, herd's model file)
MODELS = {"X86": ("x86", "x86tso.cat"), "AArch64": ("arm64", "aarch64.cat"),
          "PPC": ("power", "ppc.cat"), "RISCV": ("riscv", "riscv.cat")}
SAMPLE = 40
SEED = 17

needs_herd = pytest.mark.skipif(not (HERD_LIBDIR / "aarch64.cat").exists(),
                                reason="herd's model library (../shared/herd-libdir) not present")

RISCV_MP_AMO = """RISCV MP+fence+amo
{
0:x6=x; 0:x8=y;
1:x5=y; 1:x9=x;
}
 P0          | P1                      ;
 ori x5,x0,1 | ori x7,x0,2             ;
 sw x5,0(x6) | amoswap.w.aq x6,x7,(x5) ;
 fence rw,rw | lw x8,0(x9)             ;
 ori x7,x0,1 |                         ;
 sw x7,0(x8) |                         ;
exists ([y]=2 /\\ 1:x6=1 /\\ 1:x8=0)
"""

AARCH64_MP = """AArch64 MP
{
0:X1=x; 0:X3=y;
1:X1=y; 1:X3=x;
}
 P0          | P1          ;
 MOV W0,#1   | LDR W0,[X1] ;
 STR W0,[X1] | LDR W2,[X3] ;
 MOV W2,#1   |             ;
 STR W2,[X3] |             ;
exists (1:X0=1 /\\ 1:X2=0)
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def asm(text: str):
    return parse_asm_litmus(text, "<test>")


# ------------------------------------------------------------------ RISC-V events, herd's way


def riscv_events(body: str):
    test = asm(f"RISCV t\n{{\n0:x6=x;\n}}\n P0 ;\n{body}\nexists (x=1)\n")
    prog = lower_asm(test, herd_names("RISCV"))
    return prog, [e for e in prog.events if e.thread == 0]


def test_riscv_annotations_are_herds_sets():
    _, (r,) = riscv_events(" lw.aq x5,0(x6) ;")
    assert r.tags == {"Acq"}
    _, (w,) = riscv_events(" sw.aqrl x5,0(x6) ;")
    assert w.tags == {"AcqRel"}          # herd's one ordering, not Acq and Rel
    _, (r,) = riscv_events(" lr.w.rl x5,0(x6) ;")
    assert r.tags == {"X", "Rel"}        # RVWMO ignores it; herd keeps it


def test_riscv_amo_is_one_atomic_step_in_herds_sets():
    prog, (r, w) = riscv_events(" amoswap.w.aqrl x7,x5,(x6) ;")
    assert r.tags == w.tags == {"X", "AMO", "AcqRel"}
    assert prog.rmw == prog.atomic_steps == {(r.eid, w.eid)}
    assert prog.instance[r.eid] == prog.instance[w.eid]


def test_riscv_fences_by_kind():
    for text, name in (("fence r,rw", "Fence.r.rw"), ("fence rw,w", "Fence.rw.w"),
                       ("fence iorw,iorw", "Fence.rw.rw"), ("fence.tso", "Fence.tso"),
                       ("fence.i", "Fence.i")):
        _, (f,) = riscv_events(f" {text} ;")
        assert (f.kind, f.tags) == ("F", {name}), text


def test_memchecks_own_riscv_lowering_keeps_rvwmo_reading():
    test = asm("RISCV t\n{\n0:x6=x;\n}\n P0 ;\n lr.w.rl x5,0(x6) ;\nexists (x=1)\n")
    (r,) = lower_asm(test).events[-1:]
    assert r.tags == {"Exclusive"}


# ------------------------------------------------------------------ model files, self-contained


SC_CAT = '"sequential consistency, no architecture"\nacyclic po | rf | co | fr as sc\n'
UNIPROC_CAT = '"per-location coherence only"\nacyclic po-loc | rf | co | fr as uniproc\n'


def test_a_cat_naming_no_architecture_judges_asm_with_the_tests_events(tmp_path):
    # it used to be replaced, silently, by the architecture's own model
    ck = Checker()
    model = write(tmp_path, "sc.cat", SC_CAT)
    j = ck.judge(parse_test_text(AARCH64_MP.encode(), "<test>"), model)
    assert j.verdict.observation == "Never"
    assert ck.models_for(parse_test_text(AARCH64_MP.encode(), "<test>"), [model]) == [f"{model}@AArch64"]


def test_riscv_amo_read_and_write_stay_one_event(tmp_path):
    # herd's AMO is one event: no execution has its read see a write that its
    # own write precedes in co (herd7 counts 1 and 3 here)
    model = write(tmp_path, "uniproc.cat", UNIPROC_CAT)
    v = Checker().judge(asm(RISCV_MP_AMO), model).verdict
    assert (v.observation, v.positive, v.negative) == ("Sometimes", 1, 3)


WITH_RF_BASE = """"co extending an rf-dependent order, its alternatives listed"
let cobase = ((rf ; (po-loc & (R * R)) ; rf^-1) \\ id) | co0
let rec listed (acc, os) = match os with
  || {} -> acc
  || o ++ rest -> listed (o ++ acc, rest)
  end
with co from listed ({}, linearisations (W, cobase))
acyclic po-loc | rf | co as uniproc
"""

CORR2 = """AArch64 CoRR2
{
0:X1=x; 1:X1=x; 2:X1=x; 3:X1=x;
}
 P0          | P1          | P2          | P3          ;
 MOV W0,#1   | MOV W0,#2   | LDR W0,[X1] | LDR W0,[X1] ;
 STR W0,[X1] | STR W0,[X1] | LDR W2,[X1] | LDR W2,[X1] ;
exists (2:X0=1 /\\ 2:X2=2 /\\ 3:X0=2 /\\ 3:X2=1)
"""


def test_with_over_an_rf_dependent_order_with_no_choice_is_no_execution(tmp_path):
    # the two readers seeing the writes in opposite orders make cobase
    # cyclic: no co to choose, which used to be refused as a choice
    # depending on rf
    model = write(tmp_path, "aarch64-rfco.cat", WITH_RF_BASE)
    v = Checker().judge(parse_test_text(CORR2.encode(), "<test>"), model).verdict
    assert v.observation == "Never" and v.positive == 0 and v.negative > 0


def test_variant_switches_a_model_file(tmp_path):
    model = write(tmp_path, "maybe.cat", '"switchable"\nif "strong" acyclic po | rf | co | fr as sc end\n')
    test = parse_test_text(AARCH64_MP.encode(), "<test>")
    assert Checker().judge(test, model).verdict.observation == "Sometimes"
    assert Checker(variants=("strong",)).judge(test, model).verdict.observation == "Never"
    results = Session(variants=("strong",)).judge(AARCH64_MP, model)
    assert [r.verdict for r in results] == ["Never"]


def test_arch_names_a_model_files_architecture_for_c_tests(tmp_path):
    model = write(tmp_path, "plain.cat", SC_CAT)
    spec = Checker(arch="riscv").spec(model)
    assert (spec.arch, spec.view, spec.lowering) == ("RISCV", "herd", "riscv")
    with pytest.raises(MemcheckError, match="unknown architecture 'sparc'"):
        Session(arch="sparc")


def test_a_construct_memcheck_cannot_evaluate_is_refused_by_position(tmp_path):
    model = write(tmp_path, "loop.cat", '"forall"\nlet s = W\nforall e in s do\n  acyclic po as x\nend\n')
    with pytest.raises(MemcheckError) as e:
        Checker().judge(parse_test_text(AARCH64_MP.encode(), "<test>"), model)
    assert str(e.value).startswith(f"{model}:3:1: ")
    test = write(tmp_path, "mp.litmus", AARCH64_MP)
    r = CliRunner().invoke(main, ["run", "--model", model, test])
    assert r.exit_code != 0 and f"{model}:3:1:" in r.output and "Traceback" not in r.output


def test_a_herd_variant_changing_the_events_is_refused(tmp_path):
    model = write(tmp_path, "aarch64-mine.cat", 'AArch64 "mine"\nacyclic po | rf | co | fr as sc\n')
    test = write(tmp_path, "mp.litmus", AARCH64_MP)
    r = CliRunner().invoke(main, ["run", "--model", model, "--variant", "vmsa", test])
    assert r.exit_code != 0 and "variant 'vmsa' changes the events" in r.output


# ------------------------------------------------------------------ herd's library (../shared)


def sample(arch: str) -> list:
    rows = sorted((r for r in read_herd_tsv(ARCH_CORPUS / arch / "herd7.tsv").values() if r.judged),
                  key=lambda r: r.file)
    return random.Random(SEED).sample(rows, min(SAMPLE, len(rows)))


@pytest.fixture(scope="module")
def herd_checker() -> Checker:
    return Checker(libdirs=(str(HERD_LIBDIR),))


def herd_model(arch: str) -> str:
    return str(HERD_LIBDIR / MODELS[arch][1])


@needs_herd
@pytest.mark.parametrize("arch", list(MODELS))
def test_herds_model_matches_herd7_on_a_sample(herd_checker, arch):
    for row in sample(arch):
        v = herd_checker.judge(read_test(str(ARCH_CORPUS / arch / row.file)), herd_model(arch)).verdict
        assert v.observation == row.verdict, row.file
        assert canonical_states(v) == canonical_herd_states(row.states), row.file


@needs_herd
@pytest.mark.parametrize("arch", list(MODELS))
def test_herds_model_and_ours_agree_on_a_sample(herd_checker, arch):
    for row in sample(arch):
        test = read_test(str(ARCH_CORPUS / arch / row.file))
        ours = herd_checker.judge(test, MODELS[arch][0]).verdict
        herds = herd_checker.judge(test, herd_model(arch)).verdict
        assert (ours.observation, ours.states) == (herds.observation, herds.states), row.file


@needs_herd
def test_vma_pte_herds_models_and_ours_agree_for_every_architecture(herd_checker):
    for path in sorted((ROOT / "litmus" / "vma-pte").glob("*.litmus")):
        test = read_test(str(path))
        for arch, (ours, herds) in MODELS.items():
            a = herd_checker.judge(test, ours).verdict
            b = herd_checker.judge(test, str(HERD_LIBDIR / herds)).verdict
            assert (a.observation, a.states) == (b.observation, b.states), (path.name, arch)


@needs_herd
def test_a_c_test_under_herds_model_is_its_lowering_judged(herd_checker, tmp_path):
    c_test = ROOT / "litmus" / "vma-pte" / "vma-pte-store-load.litmus"
    lowered = CliRunner().invoke(main, ["lower", "--arch", "riscv", str(c_test)])
    assert lowered.exit_code == 0, lowered.output
    asm_test = read_test(write(tmp_path, "lowered.litmus", lowered.output))
    a = herd_checker.judge(read_test(str(c_test)), herd_model("RISCV")).verdict
    b = herd_checker.judge(asm_test, herd_model("RISCV")).verdict
    assert (a.observation, a.positive, a.negative) == (b.observation, b.positive, b.negative)


@needs_herd
def test_cli_run_and_herd7_with_herds_riscv_model():
    row = sample("RISCV")[0]
    test = str(ARCH_CORPUS / "RISCV" / row.file)
    line = f"Observation {Path(row.file).stem} {row.verdict} {row.positive} {row.negative}"
    r = CliRunner().invoke(main, ["run", "--model", herd_model("RISCV"), "--libdir", str(HERD_LIBDIR), test])
    assert r.exit_code == 0 and line in r.output, r.output
    r = CliRunner().invoke(main, ["herd7", "-set-libdir", str(HERD_LIBDIR), "-model", "riscv.cat", test])
    assert r.exit_code == 0 and line in r.output, r.output


@needs_herd
def test_arch_judges_a_c_test_under_a_model_naming_none(tmp_path):
    model = write(tmp_path, "mine.cat", '"herd\'s RISC-V model, by include"\ninclude "riscv.cat"\n')
    c_test = str(ROOT / "litmus" / "vma-pte" / "vma-pte-walker.litmus")
    args = ["run", "--libdir", str(HERD_LIBDIR), c_test]
    mine = CliRunner().invoke(main, ["run", "--model", model, "--arch", "riscv", *args[1:]])
    herds = CliRunner().invoke(main, ["run", "--model", herd_model("RISCV"), *args[1:]])
    assert mine.exit_code == herds.exit_code == 0
    assert mine.output.split("Observation")[1].split("\n")[0] == herds.output.split("Observation")[1].split("\n")[0]


AARCH64_MP_DMB = """AArch64 MP+dmbs
{
0:X1=x; 0:X3=y;
1:X1=y; 1:X3=x;
}
 P0          | P1          ;
 MOV W0,#1   | LDR W0,[X1] ;
 STR W0,[X1] | DMB SY      ;
 DMB SY      | LDR W2,[X3] ;
 MOV W2,#1   |             ;
 STR W2,[X3] |             ;
exists (1:X0=1 /\\ 1:X2=0)
"""


def test_herd7_runs_a_cat_naming_no_architecture_on_asm_with_the_tests_events(tmp_path):
    # it used to judge them with memcheck's own event names (no DMB.SY)
    model = write(tmp_path, "fenced.cat", '"fences only"\nacyclic (po ; [DMB.SY] ; po) | rfe | co | fr as f\n')
    test = write(tmp_path, "mp.litmus", AARCH64_MP_DMB)
    r = CliRunner().invoke(main, ["herd7", "-model", model, test])
    assert r.exit_code == 0 and "Observation MP+dmbs Never 0 " in r.output, r.output


@needs_herd
def test_a_c_tests_states_under_herds_model_show_its_registers_in_its_order(herd_checker):
    # they came back in the lowering's order
    test = read_test(str(ROOT / "litmus" / "MP+wmb+ctrl.litmus"))
    for arch, (ours, herds) in MODELS.items():
        assert herd_checker.judge(test, ours).verdict.states == \
            herd_checker.judge(test, str(HERD_LIBDIR / herds)).verdict.states, arch


# ------------------------------------------------------------------ herd's cross, natively

def herds_cross_definition():
    """The expression herd's cross.cat binds to `cross`."""
    from memcheck.cat import ast as A
    from memcheck.cat.parse import parse_cat
    path = HERD_LIBDIR / "cross.cat"
    model = parse_cat(path.read_text(), str(path))
    for ins in model.instrs:
        if isinstance(ins, A.Let):
            for b in ins.bindings:
                if isinstance(b.pat, A.PVar) and b.pat.name == "cross":
                    return b.expr
    raise AssertionError("no `let cross` in herd's cross.cat")


@needs_herd
def test_herds_cross_is_the_one_bound_natively_and_no_other():
    from memcheck.cat import ast as A
    from memcheck.cat.idioms import native_primitive
    expr = herds_cross_definition()
    assert native_primitive("cross", expr) == "cross"
    assert native_primitive("cross2", expr) is None
    assert native_primitive("cross", A.Empty(expr.pos)) is None


@needs_herd
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.frozensets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=3),
                         max_size=3), max_size=3))
def test_herds_interpreted_cross_equals_the_native_one(parts):
    from memcheck.cat import relation as R
    from memcheck.cat import values as V
    from memcheck.cat.compile import Env, to_runtime
    from memcheck.cat.execution import Execution
    from memcheck.cat.interp import RBuiltin, RUNTIME_PRIMITIVES, Interpreter, Scope
    n = 4
    sets = V.ValSet(frozenset(V.ValSet(frozenset(R.from_pairs(n, p) for p in part)) for part in parts))
    ex = Execution(n=n, sets={}, rels={"loc": ((1 << n) - 1,) * n}, values=[None] * n)
    it = Interpreter([], ex, frozenset(), {}, to_runtime)
    prims = {name: RBuiltin(name, fn) for name, fn in RUNTIME_PRIMITIVES.items()}
    cross = it.eval(herds_cross_definition(), Scope(prims, None, Env({})))
    listed = it.apply(cross, sets)
    interpreted = {x if type(x) is tuple else R.empty(n) for x in (() if listed == 0 else listed.items)}
    native = V.Cross(tuple(V.elements_of(sets, n)))
    assert interpreted == set(native.elements(n))
    for r in interpreted:
        assert native.contains(r, n)
