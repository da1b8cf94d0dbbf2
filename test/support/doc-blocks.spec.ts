import { markedBlocks, outputsByBlock, rewrite, scriptOf, walkthroughBlocks } from './doc-blocks';

const DOC = [
  '# Lab',
  '',
  '<!-- run -->',
  '',
  '```bash',
  'echo one',
  '```',
  '',
  'Prose, then a block people run by hand:',
  '',
  '```bash',
  'npm start',
  '```',
  '',
  '<!-- run -->',
  '```bash',
  'echo two',
  '```',
  '',
].join('\n');

describe('the docs runner', () => {
  it('takes only the bash blocks right after a <!-- run --> line, with their line numbers', () => {
    expect(markedBlocks('lab.md', DOC)).toEqual([
      { file: 'lab.md', line: 5, code: 'echo one\n' },
      { file: 'lab.md', line: 16, code: 'echo two\n' },
    ]);
  });

  it('refuses a mark that no block follows (a block that would silently stop being tested)', () => {
    const orphan = DOC.replace(
      '<!-- run -->\n```bash\necho two',
      '<!-- run -->\n\nSome prose.\n\n```bash\necho two',
    );
    expect(() => markedBlocks('lab.md', orphan)).toThrow('2 <!-- run --> marks but 1 bash blocks');
  });

  it('runs the blocks in order after banners, and splits the output back by block', () => {
    const blocks = markedBlocks('lab.md', DOC);
    const script = scriptOf(blocks);
    expect(script).toBe(
      "echo '### block 0 of lab.md, line 5'\necho one\n\necho '### block 1 of lab.md, line 16'\necho two\n",
    );
    const stdout = '### block 0 of lab.md, line 5\none\n### block 1 of lab.md, line 16\ntwo\n';
    expect(outputsByBlock(blocks, stdout)).toEqual(['one\n', 'two\n']);
    expect(outputsByBlock(blocks, '### block 0 of lab.md, line 5\none\n')).toEqual(['one\n']);
  });

  it('reads the walkthrough markers, and rewrites only what is there', () => {
    const readme = `x\n<!-- walkthrough:start -->\n\`\`\`bash\ncurl 127.0.0.1:3000\n\`\`\`\n<!-- walkthrough:end -->\n`;
    const [block] = walkthroughBlocks('README.md', readme);
    expect(block.line).toBe(3);
    expect(rewrite(block.code, [['127.0.0.1:3000', '127.0.0.1:41000']])).toBe('curl 127.0.0.1:41000\n');
    expect(() => rewrite(block.code, [['127.0.0.1:4566', 'x']])).toThrow(
      'no longer contain "127.0.0.1:4566"',
    );
    expect(() => walkthroughBlocks('README.md', 'no markers')).toThrow('no walkthrough:start/end markers');
  });
});
