"""The README's Python examples (its ```pycon blocks) run as doctests, from the project's folder."""
from __future__ import annotations

import doctest
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_examples(monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```pycon\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 3
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs: dict = {}
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, globs, f"README.md pycon block {i + 1}", "README.md", 0)
        runner.run(test, out=sys.stdout.write, clear_globs=False)
        globs = test.globs  # the next block sees the names this one made
    result = runner.summarize(verbose=False)
    assert result.attempted > 10 and result.failed == 0, f"{result.failed} README examples failed (output above)"
    assert os.getcwd() == str(ROOT)
