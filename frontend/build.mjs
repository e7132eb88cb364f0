// Bundle the interactive network map into one self-contained IIFE script.
//
// The report template inlines the output in a <script> tag, so the bundle must
// not load anything at run time: no CDN, no fonts, no code-split chunks and no
// sourcemap. The copyright notices of the bundled npm packages (all MIT) are
// kept in a banner comment, as their licences ask.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
// entry -> output: the report's map (inlined in the report) and the dashboard's explorer
// (served by the web app from its static folder).
const BUNDLES = [
  {
    entry: "src/map.js",
    outfile: resolve(here, "../src/groundswell/report/assets/map.js"),
    title: "groundswell network map",
  },
  {
    entry: "src/dashboard.js",
    outfile: resolve(here, "../src/groundswell/web/static/dashboard.js"),
    title: "groundswell dashboard explorer",
  },
];

async function bundle({ entry, outfile, title }) {
  const result = await esbuild.build({
    entryPoints: [resolve(here, entry)],
    outfile,
    write: false,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    charset: "utf8",
    metafile: true,
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });

  return { result, outfile, title };
}

// One notice line per npm package that ended up in the bundle.
async function notices(metafile) {
  const roots = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = input.match(/^(.*?node_modules\/(?:@[^/]+\/)?[^/]+)\//);
    if (m) roots.add(m[1]);
  }
  const lines = [];
  for (const root of [...roots].sort()) {
    const pkg = JSON.parse(await readFile(resolve(here, root, "package.json"), "utf8"));
    let copyright = "";
    for (const name of ["LICENSE", "LICENSE.txt", "LICENSE.md", "license"]) {
      try {
        const text = await readFile(join(resolve(here, root), name), "utf8");
        copyright = (text.match(/^\s*(Copyright .*)$/im) || ["", ""])[1].trim();
        break;
      } catch {
        // try the next spelling
      }
    }
    if (pkg.license !== "MIT") throw new Error(`${pkg.name}: licence ${pkg.license}, update the banner`);
    lines.push(` *   ${pkg.name}@${pkg.version}${copyright ? `: ${copyright}` : ""}`);
  }
  return lines;
}

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

for (const spec of BUNDLES) {
  const { result, outfile, title } = await bundle(spec);
  const packages = await notices(result.metafile);
  const banner = [
    `/*! ${title}, built by frontend/build.mjs from frontend/src (do not edit).`,
    " *",
    " * It bundles these npm packages, each under the MIT licence:",
    ...packages,
    " *",
    ...MIT.split("\n").map((line) => (line ? ` * ${line}` : " *")),
    " */",
  ].join("\n");

  let code = result.outputFiles[0].text;
  // The bundle is inlined in a <script> element: no literal may close it early ("<\/" means
  // the same as "</" in strings, templates and regular expressions).
  code = code.replace(/<\/(script)/gi, "<\\/$1");
  if (code.includes("<!--")) throw new Error("bundle contains '<!--', unsafe to inline in <script>");

  await mkdir(dirname(outfile), { recursive: true });
  await writeFile(outfile, `${banner}\n${code}`, "utf8");
  const kib = Buffer.byteLength(code, "utf8") / 1024;
  console.log(`built ${outfile} (${kib.toFixed(1)} KiB)`);
}
