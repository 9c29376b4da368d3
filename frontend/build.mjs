// Build the site into dist/: the minified JS, split in chunks (the first script
// and what it imports, then one chunk per view or feature loaded on demand),
// and one CSS file, all named by a hash of their content so that S3 and
// browsers can cache them for good, and index.html pointing at them, with the
// catalog prefetch inlined.
// Each of these text files gets a precompressed .br and .gz beside it
// (WhiteNoise serves them with Content-Encoding; the S3 publish uploads them
// the same way).  The runtime settings are not built in: index.html holds null
// in their element, and whoever serves the page writes them there (the deploy
// tool for S3, Django in development).
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import zlib from "node:zlib";

import * as esbuild from "esbuild";
import * as sass from "sass";

const root = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(root, "src");
const dist = path.join(root, "dist");
const assets = path.join(dist, "assets");

// The browsers we build for: recent evergreen ones (fetch, async/await, crypto.randomUUID).
const target = ["chrome100", "firefox100", "safari15", "edge100"];

function contentHash(text) {
  return createHash("sha256").update(text).digest("hex").slice(0, 10);
}

async function buildCss() {
  const result = sass.compile(path.join(src, "styles.scss"), {
    loadPaths: [path.join(root, "node_modules")],
    // Bootstrap 5.3's Sass uses @import and global functions that Dart Sass
    // deprecates; the warnings are Bootstrap's to fix, not ours.
    quietDeps: true,
    silenceDeprecations: ["import", "global-builtin", "color-functions", "if-function"],
  });
  const { code } = await esbuild.transform(result.css, { loader: "css", minify: true, target });
  const name = `app-${contentHash(code)}.css`;
  await writeFile(path.join(assets, name), code);
  return name;
}

// Code splitting puts modules in chunks by which entry points reach them (the app, and each module
// loaded with import()).  Left at that, the modules the first script needs besides main.js would be
// half a dozen small chunks, each one more request on the first visit.  So each module loaded on
// demand also imports what main.js imports (no-ops at run time: the app has loaded them already);
// then they are all reached from every entry, and make one chunk.
async function staticImports(entry) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    outdir: assets,
  });
  const input = result.metafile.inputs[path.relative(process.cwd(), entry).split(path.sep).join("/")];
  return input.imports
    .filter((item) => item.kind === "import-statement")
    .map((item) => path.resolve(process.cwd(), item.path));
}

function firstScriptInOneChunk(shared) {
  const imports = shared.map((file) => `import ${JSON.stringify(file)};`).join("\n");
  return {
    name: "first-script-in-one-chunk",
    setup(build) {
      const onDemand = new Set();
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== "dynamic-import" || args.pluginData === "resolving") {
          return undefined;
        }
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: "resolving",
        });
        onDemand.add(resolved.path);
        return resolved;
      });
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!onDemand.has(args.path)) {
          return undefined;
        }
        const code = await readFile(args.path, "utf8");
        return { contents: `${imports}\n${code}`, loader: "js", resolveDir: path.dirname(args.path) };
      });
    },
  };
}

// The app's script, split: the entry (app-<hash>.js) and the chunks it imports are what the catalog
// needs; every other view and the checkout are chunks of their own, imported on demand.  Returns
// the entry, the chunks to preload with it, and every file written.
async function buildJs() {
  const main = path.join(src, "main.js");
  const result = await esbuild.build({
    entryPoints: { app: main },
    bundle: true,
    splitting: true,
    minify: true,
    format: "esm",
    target,
    outdir: assets,
    entryNames: "[name]-[hash]",
    chunkNames: "[name]-[hash]",
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    plugins: [firstScriptInOneChunk(await staticImports(main))],
  });
  const outputs = result.metafile.outputs;
  const [entry] = Object.keys(outputs).filter((file) => outputs[file].entryPoint && file.endsWith(".js"));
  // What the entry imports statically, and what those import: fetched with it, not after it.
  const preload = new Set();
  const visit = (file) => {
    for (const { path: imported, kind } of outputs[file].imports) {
      if (kind === "import-statement" && !preload.has(imported)) {
        preload.add(imported);
        visit(imported);
      }
    }
  };
  visit(entry);
  const files = Object.keys(outputs).filter((file) => file.endsWith(".js"));
  return {
    entry: path.basename(entry),
    preload: [...preload].map((file) => path.basename(file)),
    files: files.map((file) => path.basename(file)),
  };
}

// The inline script that starts the catalog request before the bundle has loaded.
async function buildPrefetch() {
  const result = await esbuild.build({
    entryPoints: [path.join(src, "prefetch.js")],
    bundle: false,
    minify: true,
    format: "iife",
    target,
    write: false,
    legalComments: "none",
    logLevel: "warning",
  });
  return result.outputFiles[0].text.trim().replaceAll("</", "<\\/");
}

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

// Write file.br and file.gz beside `file`, compressed as hard as they go (it is done once, at build).
async function precompress(file) {
  const body = await readFile(file);
  const [br, gz] = await Promise.all([
    brotli(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
    gzip(body, { level: zlib.constants.Z_BEST_COMPRESSION }),
  ]);
  await Promise.all([writeFile(`${file}.br`, br), writeFile(`${file}.gz`, gz)]);
  return { name: path.relative(dist, file), raw: body.length, br: br.length, gz: gz.length };
}

// Drop comments and indentation: the page has no <pre> or whitespace-sensitive text.
function minifyHtml(html) {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/\n\s+/g, "\n")
    .replace(/>\n</g, "><");
}

async function main() {
  await rm(dist, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const [css, js, prefetch] = await Promise.all([buildCss(), buildJs(), buildPrefetch()]);
  const template = await readFile(path.join(src, "index.html"), "utf8");
  const html = template
    .replaceAll("{{ css }}", `assets/${css}`)
    .replaceAll("{{ js }}", `assets/${js.entry}`)
    .replace("{{ modulepreload }}", () =>
      js.preload.map((name) => `<link rel="modulepreload" href="assets/${name}">`).join("\n"),
    )
    .replace("{{ prefetch }}", () => prefetch);
  if (html.includes("{{")) {
    throw new Error("index.html has a placeholder the build does not know");
  }
  await writeFile(path.join(dist, "index.html"), minifyHtml(html));
  const sizes = await Promise.all(
    [path.join(dist, "index.html"), path.join(assets, css), ...js.files.map((name) => path.join(assets, name))].map(
      precompress,
    ),
  );
  console.log(`Built dist/: ${sizes.map(({ name, raw, br, gz }) => `${name} (${raw} B, br ${br}, gz ${gz})`).join(", ")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
