/**
 * The shell steps of the docs, as a test runs them: fenced bash blocks that the document marks
 * as runnable, joined in order into one script (one shell, as a person follows the text in one
 * terminal), with a line before each block saying which one it is, so a failure or an answer
 * can be traced to the place in the document.
 */

/** One runnable block: where it is in its document, and its code. */
export interface DocBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
}

const FENCE = /^```bash\n([\s\S]*?)^```$/gm;

/** 1-based line number of `index` in `text`. */
function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** The bash blocks between `<!-- walkthrough:start -->` and `<!-- walkthrough:end -->`. */
export function walkthroughBlocks(file: string, markdown: string): DocBlock[] {
  const start = markdown.indexOf('<!-- walkthrough:start -->');
  const end = markdown.indexOf('<!-- walkthrough:end -->');
  if (start < 0 || end < start) throw new Error(`${file} has no walkthrough:start/end markers`);
  const blocks = [...markdown.slice(start, end).matchAll(FENCE)].map((m) => ({
    file,
    line: lineAt(markdown, start + (m.index ?? 0)),
    code: m[1],
  }));
  if (blocks.length === 0) throw new Error(`no \`\`\`bash block between the walkthrough markers of ${file}`);
  return blocks;
}

/**
 * The bash blocks preceded by a line `<!-- run -->` (blank lines between allowed; the comment
 * does not show when the Markdown is rendered). Blocks without it (a long-running `npm start`,
 * steps done in a browser) stay prose for people.
 */
export function markedBlocks(file: string, markdown: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const m of markdown.matchAll(FENCE)) {
    const before = markdown.slice(0, m.index).trimEnd();
    if (before.endsWith('\n<!-- run -->') || before === '<!-- run -->') {
      blocks.push({ file, line: lineAt(markdown, m.index ?? 0), code: m[1] });
    }
  }
  const marks = markdown.split('\n').filter((l) => l.trim() === '<!-- run -->').length;
  if (marks !== blocks.length) {
    throw new Error(`${file}: ${marks} <!-- run --> marks but ${blocks.length} bash blocks right after one`);
  }
  return blocks;
}

/** The line printed before block `i` (`### block 3 of docs/workshop.md, line 57`). */
export function blockBanner(block: DocBlock, i: number): string {
  return `### block ${i} of ${block.file}, line ${block.line}`;
}

/** One script of all blocks in order, each after its banner. */
export function scriptOf(blocks: readonly DocBlock[]): string {
  return blocks.map((b, i) => `echo '${blockBanner(b, i)}'\n${b.code}`).join('\n');
}

/** What each block printed, by the banners in the output (blocks that never ran are absent). */
export function outputsByBlock(blocks: readonly DocBlock[], stdout: string): string[] {
  const outputs: string[] = [];
  blocks.forEach((block, i) => {
    const start = stdout.indexOf(`${blockBanner(block, i)}\n`);
    if (start < 0) return;
    const next = i + 1 < blocks.length ? stdout.indexOf(`${blockBanner(blocks[i + 1], i + 1)}\n`) : -1;
    outputs[i] = stdout.slice(start + blockBanner(block, i).length + 1, next < 0 ? undefined : next);
  });
  return outputs;
}

/** Replaces each `from` with its `to`, in order; a `from` that does not occur is an error. */
export function rewrite(script: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  let out = script;
  for (const [from, to] of replacements) {
    if (!out.includes(from))
      throw new Error(`the docs no longer contain "${from}": update the test's rewrites`);
    out = out.replaceAll(from, to);
  }
  return out;
}
