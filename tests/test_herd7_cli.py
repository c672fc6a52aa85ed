"""`memcheck herd7`: herd7's command line (options, cfg files, refusals), its
output block, its exit codes, its output files; the `-I/--libdir` option of
memcheck's own commands."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from memcheck.cli import main as memcheck
from memcheck.herd_options import HerdOptions, Refused, UsageError, read_command_line
from memcheck.herd7_run import herd_name, main, picture_path, version_line

ROOT = Path(__file__).resolve().parents[1]
LITMUS = ROOT / "litmus"
KERNEL = ROOT.parent / "shared" / "kernel-lkmm"


def herd7(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """Run `memcheck herd7 ARGV` in-process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err, io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def blocks(stdout: str) -> list[list[str]]:
    """herd7's blocks: each ends with a blank line."""
    assert stdout == "" or stdout.endswith("\n\n")
    return [b.splitlines() for b in stdout.split("\n\n") if b]


# ------------------------------------------------------------ the command line

def test_options_are_read_in_order_with_files_among_them():
    o = read_command_line(["-I", "a", "x.litmus", "-model", "m.cat", "-variant", "lkmmv2,foo", "-I", "+b",
                           "-timeout", "2.5", "-q", "-v", "-v", "y.litmus", "-showpo", "false", "-graph", "columns"])
    assert o.files == ["x.litmus", "y.litmus"]
    assert o.includes == ["a", "+b"] and o.model.name == "m.cat" and o.variants == ["lkmmv2", "foo"]
    assert o.timeout == 2.5 and o.verbose == 2


@pytest.mark.parametrize("argv, named", [
    (["-through", "all"], "-through all"),
    (["-skipchecks", "happens-before"], "-skipchecks happens-before"),
    (["-skipcheck", "hb"], "-skipcheck hb"),
    (["-model", "cav12"], "-model cav12"),
    (["-hexa", "true"], "-hexa true"),
    (["-names", "f"], "-names f"),
    (["-o", "-"], "-o -"),
    (["-show", "prop", "-nshow", "1"], "-nshow 1"),
    (["-showone", "true", "-show", "all"], "-nshow 1"),
    (["-o", "d", "-show", "neg"], "-show neg"),
])
def test_an_option_that_could_change_the_output_is_refused_by_name(argv, named):
    with pytest.raises(Refused) as e:
        read_command_line(argv)
    assert f"option {named} is not supported by memcheck" in str(e.value)
    code, out, err = herd7(*argv, str(LITMUS / "SB+once+once.litmus"))
    assert code == 2 and out == "" and named in err


def test_defaults_and_picture_options_are_accepted():
    o = read_command_line(["-through", "none", "-unroll", "2", "-speedcheck", "false", "-archcheck", "true",
                           "-show", "prop", "-squished", "true", "-edgeattr", "hb,color,indigo", "-fontsize", "8",
                           "-skipchecks", "", "-badexecs", "false", "-optace", "iico", "-gv", "-dotcom", "neato"])
    assert o.files == [] and o.show == "prop"


@pytest.mark.parametrize("argv, message", [
    (["-foo"], "unknown option '-foo'."),
    (["-I"], "option '-I' needs an argument."),
    (["-unroll", "x"], "wrong argument 'x'; option '-unroll' expects an integer."),
    (["-show", "foo"], "bad tag for -show, allowed tag are prop,all,neg,cond,none,wit."),
    (["-showpo", "maybe"], "wrong argument 'maybe'; option '-showpo' expects a boolean."),
    (["-model", "lkmm.txt"], "bad tag for -model"),
])
def test_a_malformed_command_line_is_a_usage_error_exit_2(argv, message):
    with pytest.raises(UsageError):
        read_command_line(argv)
    code, out, err = herd7(*argv)
    assert code == 2 and out == ""
    assert err.startswith(f"memcheck herd7: {message}") and "Usage: memcheck herd7" in err


def test_version_libdir_and_help_print_and_exit_0():
    code, out, _ = herd7("-version", "-foo")  # acted on as read, as herd7 does
    assert code == 0 and out == version_line() + "\n"
    assert out.split(",")[0].startswith("7.58") and ", Rev: " in out
    code, out, _ = herd7("-set-libdir", "/some/where", "-libdir")
    assert (code, out) == (0, "/some/where\n")
    code, out, _ = herd7("-help")
    assert code == 0 and out.startswith("Usage: memcheck herd7")


# ------------------------------------------------------------ output and exit codes

def test_blocks_on_stdout_in_file_order_each_followed_by_a_blank_line():
    files = [str(LITMUS / f"{n}.litmus") for n in ("MP+wmb+rmb", "SB+mb+mb", "LB+once+once")]
    code, out, err = herd7("-model", "lkmm", *files)
    assert code == 0 and err == ""
    got = blocks(out)
    assert [b[0] for b in got] == ["Test MP+wmb+rmb Allowed", "Test SB+mb+mb Allowed", "Test LB+once+once Allowed"]
    assert got[0][1:] [:-1] == ["States 3", "1:r0=0; 1:r1=0;", "1:r0=0; 1:r1=1;", "1:r0=1; 1:r1=1;", "No",
                                "Witnesses", "Positive: 0 Negative: 3",
                                "Condition exists (1:r0=1 /\\ 1:r1=0)", "Observation MP+wmb+rmb Never 0 3"]
    assert got[0][-1].startswith("Time MP+wmb+rmb ")
    assert "Observation LB+once+once Sometimes 1 3" in got[2]


def test_herd7s_condition_line_kind_and_test_name(tmp_path):
    t = tmp_path / "c.litmus"
    t.write_text("C c.litmus\n{}\nP0(int *x, int *y)\n{\n\tint r1;\n\tWRITE_ONCE(*x, 1);\n"
                 "\tr1 = READ_ONCE(*y);\n}\n~exists (x!=1 \\/ 0:r1=1 /\\ (y=0 => x=1) \\/ ~(y=2))\n")
    code, out, _ = herd7("-model", "lkmm", str(t))
    (block,) = blocks(out)
    assert block[0] == "Test c Forbidden"  # herd7 drops .litmus from a test's name
    assert "Condition ~exists (not ([x]=1) \\/ 0:r1=1 /\\ ([y]=0 => [x]=1) \\/ not ([y]=2))" in block
    assert herd_name("--", "dir/t.litmus") == "t" and herd_name("a.b", "f") == "a.b"


def test_a_test_that_cannot_be_judged_is_reported_and_the_next_judged(tmp_path):
    bad = tmp_path / "unk.litmus"
    bad.write_text("C unk\n{}\nP0(int *x)\n{\n\tfrobnicate(x);\n}\nexists (x=1)\n")
    good = str(LITMUS / "SB+once+once.litmus")
    code, out, err = herd7("-model", "lkmm", str(bad), str(tmp_path / "none.litmus"), good)
    assert code == 0  # as herd7: per-test errors are warnings
    assert [b[0] for b in blocks(out)] == ["Test SB+once+once Allowed"]
    lines = err.splitlines()
    assert lines[0] == f"{bad}:5:2: Unknown macro frobnicate"  # what judgelitmus.sh greps: ': Unknown macro '
    assert lines[1].startswith(f"{tmp_path / 'none.litmus'}:0:0: cannot read")
    code, out, err = herd7("-model", "lkmm", "-exit", "true", str(bad), good)
    assert code == 1 and out == ""


def test_a_c_test_needs_a_model_an_assembly_test_takes_its_architectures():
    code, out, err = herd7(str(LITMUS / "SB+once+once.litmus"))
    assert code == 0 and out == "" and "no model given" in err
    asm = next((ROOT.parent / "shared" / "corpus" / "arch" / "X86").glob("*.litmus"), None) \
        if (ROOT.parent / "shared" / "corpus" / "arch" / "X86").is_dir() else None
    if asm is not None:
        code, out, err = herd7(str(asm))
        assert code == 0 and err == "" and blocks(out)[0][-2].startswith("Observation ")


def test_a_bad_model_exits_2_before_any_test(tmp_path):
    code, out, err = herd7("-model", "nowhere.cat", str(LITMUS / "SB+once+once.litmus"))
    assert code == 2 and out == "" and "Cannot find file nowhere.cat" in err
    cat = tmp_path / "broken.cat"
    cat.write_text("let x = (po\n")
    code, out, err = herd7("-model", str(cat), str(LITMUS / "SB+once+once.litmus"))
    assert code == 2 and out == "" and err.startswith(f"{cat.resolve()}:")


def test_timeout_prints_nothing_for_that_test(tmp_path):
    code, out, err = herd7("-model", "lkmm", "-timeout", "0.000001", str(LITMUS / "IRIW+mb+mb.litmus"))
    assert (code, out, err) == (0, "", "")


def test_tests_from_stdin_and_at_files_once_per_name(tmp_path):
    (tmp_path / "@list").write_text("# tests\nMP+wmb+rmb.litmus\n\nSB+mb+mb.litmus\n")
    for name in ("MP+wmb+rmb", "SB+mb+mb"):
        shutil.copy(LITMUS / f"{name}.litmus", tmp_path)
    code, out, _ = herd7("-model", "lkmm", str(tmp_path / "@list"), str(tmp_path / "MP+wmb+rmb.litmus"))
    assert [b[0] for b in blocks(out)] == ["Test MP+wmb+rmb Allowed", "Test SB+mb+mb Allowed"]
    code, out, _ = herd7("-model", "lkmm", stdin=f"{tmp_path / 'SB+mb+mb.litmus'}\n")
    assert [b[0] for b in blocks(out)] == ["Test SB+mb+mb Allowed"]
    other = tmp_path / "other.litmus"  # the same name, other content
    other.write_text((LITMUS / "SB+mb+mb.litmus").read_text().replace("smp_mb()", "smp_wmb()"))
    code, out, err = herd7("-model", "lkmm", str(tmp_path / "SB+mb+mb.litmus"), str(other))
    assert code == 0 and len(blocks(out)) == 1 and "Different hashes for test SB+mb+mb" in err


def test_speedcheck_keeps_the_executions_deciding_the_condition():
    sb = str(LITMUS / "SB+once+once.litmus")
    for mode in ("true", "fast"):
        (block,) = blocks(herd7("-model", "lkmm", "-speedcheck", mode, sb)[1])
        assert block[1:3] == ["States 1", "0:r0=0; 1:r0=0;"]
        assert "Observation SB+once+once Always 1 0" in block
    (block,) = blocks(herd7("-model", "lkmm", "-speedcheck", "true", str(LITMUS / "MP+wmb+rmb.litmus"))[1])
    assert block[1] == "States 0" and "Observation MP+wmb+rmb Never 0 0" in block


def test_output_files_are_named_as_herd7_names_them(tmp_path):
    out_dir = tmp_path / "pictures"
    out_dir.mkdir()
    files = [str(LITMUS / "LB+once+once.litmus"), str(LITMUS / "MP+wmb+rmb.litmus")]
    code, _, _ = herd7("-model", "lkmm", "-o", str(out_dir), "-suffix", "-s", *files)
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["LB+once+once-s.dot", "MP+wmb+rmb-s.dot"]
    assert all(p.read_text() == "" for p in out_dir.iterdir())  # -show none: empty, as herd7
    herd7("-model", "lkmm", "-o", str(out_dir), "-show", "prop", *files)
    assert (out_dir / "LB+once+once.dot").read_text().startswith("digraph")
    assert (out_dir / "MP+wmb+rmb.dot").read_text() == ""  # Never: no execution to show
    assert picture_path(HerdOptions(outputdir="d"), "a/b/t.litmus") == Path("d/t.dot")


def test_cfg_files_are_options_and_later_options_override_them(tmp_path):
    cfg = tmp_path / "my.cfg"
    cfg.write_text("# a model\nmodel lkmm\ngraph columns\nshowinitrf = false\nspeedcheck true\n")
    o = read_command_line(["-conf", str(cfg), "-speedcheck", "false"])
    assert o.model.name == "lkmm" and o.model.origin == str(tmp_path) and o.speedcheck == "false"
    code, out, _ = herd7("-I", str(tmp_path), "-conf", "my.cfg", str(LITMUS / "SB+once+once.litmus"))
    assert code == 0 and "Observation SB+once+once Always 1 0" in out  # the cfg's speedcheck
    bad = tmp_path / "bad.cfg"
    bad.write_text("model lkmm\nthrough all\n")
    code, out, err = herd7("-conf", str(bad), str(LITMUS / "SB+once+once.litmus"))
    assert code == 2 and err.startswith(f"{bad}:2:1: option -through all is not supported")
    bad.write_text("frobnicate 1\n")
    code, out, err = herd7("-conf", str(bad))
    assert code == 2 and err.startswith(f"{bad}:1:1: Unknown key 'frobnicate'")
    code, out, err = herd7("-conf", "nowhere.cfg")
    assert code == 2 and "Cannot find file nowhere.cfg" in err


def test_the_command_line_reaches_herd7_through_memcheck():
    r = CliRunner().invoke(memcheck, ["herd7", "-model", "lkmm", "-q", str(LITMUS / "SB+once+once.litmus")])
    assert r.exit_code == 0 and "Observation SB+once+once Sometimes 1 3" in r.output
    r = CliRunner().invoke(memcheck, ["herd7", "-foo"])
    assert r.exit_code == 2


# ------------------------------------------------------------ the kernel's own model files

def kernel_cfg(version: str = "current") -> Path:
    """The shared kernel model's cfg, skipping when absent or not loadable yet."""
    cfg = KERNEL / version / "linux-kernel.cfg"
    if not cfg.exists():
        pytest.skip("shared kernel model files not present")
    code, out, err = herd7("-conf", str(cfg), str(LITMUS / "MP+wmb+rmb.litmus"))
    if code != 0 or "Observation" not in out:
        pytest.skip(f"the kernel's {version} model does not load yet: {err.strip()[:300]}")
    return cfg


@pytest.mark.parametrize("version", ["herd7-7.57", "current"])
def test_kernel_cfg_found_through_minus_I_as_the_kernel_scripts_run_it(version, tmp_path, monkeypatch):
    cfg = kernel_cfg(version)
    monkeypatch.chdir(tmp_path)
    code, out, err = herd7("-I", str(cfg.parent), "-conf", "linux-kernel.cfg", str(LITMUS / "SB+mb+mb.litmus"))
    assert code == 0, err
    assert "Observation SB+mb+mb Never 0 3" in out
    bad = tmp_path / "incnz.litmus"  # atomic_inc_not_zero is in no kernel .def
    bad.write_text("C incnz\n{}\nP0(atomic_t *y)\n{\n\tatomic_inc_not_zero(y);\n}\nexists (y=1)\n")
    code, out, err = herd7("-I", str(cfg.parent), "-conf", "linux-kernel.cfg", str(bad))
    assert code == 0 and out == "" and ": Unknown macro atomic_inc_not_zero" in err


# ------------------------------------------------------------ --libdir on memcheck's commands

def test_libdir_finds_what_a_cat_file_includes(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "order.cat").write_text('let o = po | rf | co | fr\n')
    model = tmp_path / "model" / "sc-ish.cat"
    model.parent.mkdir()
    model.write_text('"sc-ish"\ninclude "order.cat"\nacyclic o as sc\n')
    sb = str(LITMUS / "SB+once+once.litmus")
    without = CliRunner().invoke(memcheck, ["run", "--model", str(model), sb])
    assert without.exit_code != 0 and "order.cat" in without.output
    for option in ("-I", "--libdir"):
        r = CliRunner().invoke(memcheck, ["run", "--model", str(model), option, str(lib), sb])
        assert r.exit_code == 0, r.output
        assert "Observation SB+once+once Never 0 3" in r.output
    r = CliRunner().invoke(memcheck, ["explain", "--model", str(model), "-I", str(lib), sb])
    assert r.exit_code == 0 and "Never" in r.output
    r = CliRunner().invoke(memcheck, ["run", "-I", str(tmp_path / "none"), sb])
    assert r.exit_code == 2 and "does not exist" in r.output


def test_libdir_reaches_the_check_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "order.cat").write_text('let o = po | rf | co | fr\n')
    model = tmp_path / "sc-ish.cat"
    model.write_text('"sc-ish"\ninclude "order.cat"\nacyclic o as sc\n')
    tests = tmp_path / "tests"
    tests.mkdir()
    shutil.copy(LITMUS / "SB+once+once.litmus", tests)
    report = tmp_path / "check.json"
    r = CliRunner().invoke(memcheck, ["check", "--model", str(model), "--libdir", str(lib), "-j", "1",
                                      "--json", str(report), str(tests)])
    assert "Errors" not in r.output, r.output
    (result,) = json.loads(report.read_text())["results"]
    assert result["verdict"] == "Never" and result["model"] == str(model)


LOOP_TEST = """C loop-writes
{}
P0(int *x)
{
	WRITE_ONCE(*x, 1);
}
P1(int *x, int *y)
{
	int r0;
	r0 = 0;
	while (r0 == 0) {
		r0 = READ_ONCE(*x);
		WRITE_ONCE(*y, r0);
	}
}
exists (1:r0=1)
"""


@pytest.mark.parametrize("unroll, positive", [("0", 0), ("2", 2), ("4", 4)])
def test_unroll_is_honoured_with_herd7s_loop_line_and_warning(tmp_path, unroll, positive):
    f = tmp_path / "loop-writes.litmus"
    f.write_text(LOOP_TEST)
    code, out, err = herd7("-model", "lkmm", "-unroll", unroll, str(f))
    assert code == 0
    lines = out.splitlines()
    assert ("Loop Ok" if positive else "Loop No") in lines
    assert f"Observation loop-writes {'Always' if positive else 'Never'} {positive} 0" in lines
    assert err == (f'Warning: File "{f}": unrolling limit exceeded at While, '
                   "legal outcomes may be missing.\n")


def test_a_negative_unroll_is_a_usage_error():
    code, out, err = herd7("-unroll", "-1", str(LITMUS / "SB+once+once.litmus"))
    assert code == 2 and "option '-unroll' expects a count" in err
