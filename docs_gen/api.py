"""The API reference (reference/library/), generated from the docstrings by mkdocstrings: the
names a notebook uses, one page each."""

import mkdocs_gen_files

PAGES = {
    "groundswell": ("The package", "groundswell"),
    "workspace": ("Workspace", "groundswell.workspace"),
    "run": ("Run", "groundswell.run"),
    "export": ("Export", "groundswell.export"),
    "graph": ("Graph", "groundswell.network.graph"),
    "window": ("Window", "groundswell.network.window"),
    "privacy": ("Privacy", "groundswell.privacy"),
    "errors": ("Errors", "groundswell.errors"),
    "synth": ("Synthetic organisation", "groundswell.synth"),
}

for slug, (title, module) in PAGES.items():
    with mkdocs_gen_files.open(f"reference/library/{slug}.md", "w") as fh:
        fh.write(f"# {title}\n\n::: {module}\n")
