// Unit tests of the heading tree and section reading and editing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WikiError } from '../errors.js';
import { editSection, findSection, listSections, readSection } from './sections.js';

const DOC = `# Iran

Intro.

## Background

Background text.

### Military Strategy

Strategy text.

\`\`\`
# not a heading
\`\`\`

## Economy ##

Economy text.
`;

void describe('listSections', () => {
  void it('builds the heading tree and ignores headings in code', () => {
    const sections = listSections(DOC);
    assert.deepEqual(
      sections.map((s) => [s.path, s.level]),
      [
        ['Iran', 1],
        ['Iran > Background', 2],
        ['Iran > Background > Military Strategy', 3],
        ['Iran > Economy', 2],
      ],
    );
  });

  void it('ends a section at the next heading of the same or a higher level', () => {
    const [iran, background, strategy, economy] = listSections(DOC);
    assert.equal(iran?.end, DOC.length);
    assert.equal(background?.end, DOC.indexOf('## Economy'));
    assert.equal(strategy?.end, DOC.indexOf('## Economy'));
    assert.equal(economy?.end, DOC.length);
    assert.equal(DOC.slice(strategy?.start, strategy?.end).includes('# not a heading'), true);
  });
});

void describe('findSection and readSection', () => {
  void it('matches the full path case-insensitively, spaces around ">" ignored', () => {
    assert.equal(findSection(DOC, 'iran>background >  military   strategy').title, 'Military Strategy');
  });

  void it('accepts a unique trailing part of the path', () => {
    assert.equal(findSection(DOC, 'Military Strategy').path, 'Iran > Background > Military Strategy');
    assert.equal(findSection(DOC, 'Background > Military Strategy').level, 3);
  });

  void it('reads a section with its heading and subsections', () => {
    assert.equal(
      readSection(DOC, 'Background'),
      '## Background\n\nBackground text.\n\n### Military Strategy\n\nStrategy text.\n\n```\n# not a heading\n```\n\n',
    );
  });

  void it('refuses a missing section and lists the available ones', () => {
    assert.throws(
      () => findSection(DOC, 'Politics'),
      (err: unknown) => {
        assert.ok(err instanceof WikiError);
        assert.equal(err.code, 'SECTION_NOT_FOUND');
        assert.match(err.message, /"Politics" was not found.*"Iran > Economy"/);
        assert.deepEqual(err.data, {
          section: 'Politics',
          available: ['Iran', 'Iran > Background', 'Iran > Background > Military Strategy', 'Iran > Economy'],
        });
        return true;
      },
    );
  });

  void it('refuses an ambiguous short path', () => {
    const doc = '# A\n## Notes\nx\n# B\n## Notes\ny\n';
    assert.throws(() => findSection(doc, 'Notes'), { code: 'SECTION_NOT_FOUND', message: /ambiguous.*"A > Notes"/ });
    assert.equal(readSection(doc, 'B > Notes'), '## Notes\ny\n');
  });
});

void describe('editSection', () => {
  void it('replaces a whole section, heading included', () => {
    const out = editSection(DOC, 'Economy', 'replace', '## Economy and Trade\n\nNew text.\n');
    assert.ok(out.endsWith('## Economy and Trade\n\nNew text.\n'));
    assert.ok(out.startsWith(DOC.slice(0, DOC.indexOf('## Economy'))));
  });

  void it('keeps the heading when the replacement has none', () => {
    const out = editSection(DOC, 'Military Strategy', 'replace', 'Only this.');
    assert.equal(readSection(out, 'Military Strategy'), '### Military Strategy\n\nOnly this.\n\n');
    assert.ok(out.includes('Only this.\n\n## Economy ##'));
  });

  void it('appends after the last subsection', () => {
    const out = editSection(DOC, 'Background', 'append', 'Appended.');
    assert.ok(out.includes('# not a heading\n```\n\nAppended.\n\n## Economy ##'));
  });

  void it('prepends right after the heading line', () => {
    const out = editSection(DOC, 'Background', 'prepend', 'First.\n');
    assert.ok(out.includes('## Background\n\nFirst.\n\nBackground text.'));
  });

  void it('edits the last section and ends the text with one line break', () => {
    assert.ok(editSection(DOC, 'Economy', 'append', 'More.').endsWith('Economy text.\n\nMore.\n'));
  });

  void it('refuses an unknown section and changes nothing', () => {
    assert.throws(() => editSection(DOC, 'Nope', 'append', 'x'), { code: 'SECTION_NOT_FOUND' });
  });
});
