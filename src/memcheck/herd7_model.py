"""The model herd7's options describe (-conf, -model, -bell, -macros,
-variant), found where herd7 finds it and registered with a Checker."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

from .checker import Checker, file_model
from .herd_options import HerdOptions, Refused, find_file, library_dirs, search_dirs

PREFIX = "herd7:"  # the model's name in the checker, apart from built-in and --model names


def libdirs(o: HerdOptions) -> tuple[str, ...]:
    """The folders a model's includes are searched in after the including
    file's own: the cfg folders, the current folder, -I, -set-libdir."""
    own = set(library_dirs())
    origins = [Path(r.origin) for r in (o.model, o.bell, o.macros) if r is not None and r.origin]
    dirs = [d for d in origins + search_dirs(o) if d not in own]
    return tuple(dict.fromkeys(str(d.resolve()) for d in dirs))


def herd7_model(o: HerdOptions, checker: Checker) -> Optional[str]:
    """The name under which `checker` knows the model `o` describes; None
    when no model was given (assembly tests then take their architecture's)."""
    if o.model is None:
        for option, given in (("bell", o.bell), ("macros", o.macros)):
            if given is not None:
                raise Refused(option, given.name, "memcheck needs the model it goes with (-model or -conf)")
        if o.variants:
            raise Refused("variant", ",".join(o.variants),
                          "memcheck applies variants to a model given by -model or -conf")
        return None
    bell = str(find_file(o, o.bell)) if o.bell else ""
    macros = str(find_file(o, o.macros)) if o.macros else ""
    name = PREFIX + o.model.name
    if not o.model.name.endswith(".cat"):  # a built-in model by name (memcheck's extension)
        spec = checker.index[o.model.name]
        spec = replace(spec, name=name, variants=tuple(dict.fromkeys(spec.variants + tuple(o.variants))),
                       macros=macros or spec.macros, bell=bell or spec.bell)
    else:
        cat = find_file(o, o.model)
        spec = file_model(str(cat), libdirs(o), checker.directory, tuple(o.variants), macros, bell)
        # herd7 judges every test, C or assembly, under the model it is given:
        # an architecture's model judges C tests through that architecture's
        # lowering, a cat naming no architecture assembly tests with their
        # architecture's events (Checker.asm_model), a C model with its bell
        # or macros judges them all its way
        plain = not (spec.macros or spec.bell)
        arch = spec.arch if spec.view == "herd" else "" if plain else "any"
        spec = replace(spec, name=name, arch=arch, description=f"herd7 model {o.model.name}")
    checker.add_file_model(spec)
    return name
