"""The site's home page: the README, its links to docs/ made relative to the site, and the
other files of the repository it links to (CHANGELOG.md, ...) published beside it."""

import re
from pathlib import Path

import mkdocs_gen_files

readme = Path("README.md").read_text(encoding="utf-8").replace("](docs/", "](")
for target in sorted(set(re.findall(r"\]\(([A-Za-z0-9_.-]+\.md)\)", readme))):
    if Path(target).is_file() and not Path("docs", target).exists():
        with mkdocs_gen_files.open(target.lower(), "w") as fh:
            fh.write(Path(target).read_text(encoding="utf-8"))
        readme = readme.replace(f"]({target})", f"]({target.lower()})")
with mkdocs_gen_files.open("index.md", "w") as fh:
    fh.write(readme)
mkdocs_gen_files.set_edit_path("index.md", "../README.md")
