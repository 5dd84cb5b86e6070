/**
 * Deterministic synthetic wiki for benchmarks: N pages of ~500 words with front matter, headings, a list, a table,
 * a fenced code block and 3–8 WikiLinks, spread over folders. Words follow a Zipf-like law over a few thousand
 * distinct words, so there are very common and very rare ones; one known rare word is planted in exactly one page.
 *
 * Page i depends only on the seed and i (plus the link targets, drawn from all N pages), so the first 500 pages of a
 * 10,000-page corpus have the same paths and near-identical text as a 500-page corpus: reads of "the same page" can
 * be compared across wiki sizes.
 */
import { DEFAULT_CATEGORIES } from '../src/domain/index.js';

/** A small, fast, seedable PRNG (sfc32), so every run generates the same wiki. Returns floats in [0, 1). */
export function prng(seed: string): () => number {
  // cyrb128-style string hash to four 32-bit words of state.
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  let a = Math.imul(h3 ^ (h1 >>> 18), 597399067) >>> 0;
  let b = Math.imul(h4 ^ (h2 >>> 22), 2869860233) >>> 0;
  let c = Math.imul(h1 ^ (h3 >>> 17), 951274213) >>> 0;
  let d = Math.imul(h2 ^ (h4 >>> 19), 2716044179) >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

type Rng = () => number;

const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const capitalize = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

/** Folders and the category their pages carry (every category is one of the default set). */
const FOLDERS: ReadonlyArray<readonly [string, string]> = [
  ['Actors', 'actor'],
  ['Actors/States', 'actor'],
  ['People', 'actor'],
  ['Organizations', 'actor'],
  ['Events', 'event'],
  ['Events/Crises', 'event'],
  ['Timelines', 'event'],
  ['Trends', 'trend'],
  ['Hypotheses', 'hypothesis'],
  ['Scenarios', 'hypothesis'],
  ['Variables', 'variable'],
  ['Datasets', 'variable'],
  ['References', 'reference'],
  ['Sources', 'reference'],
  ['Methods', 'reference'],
  ['Regions', 'index'],
  ['Topics', 'index'],
];
for (const [, category] of FOLDERS) {
  if (!DEFAULT_CATEGORIES.includes(category)) throw new Error(`corpus folder category ${category} is not a default category`);
}

const TAGS = [
  'energy', 'security', 'trade', 'sanctions', 'elections', 'migration', 'climate', 'finance', 'diplomacy', 'military',
  'technology', 'health', 'food', 'water', 'shipping', 'cyber', 'media', 'courts', 'labour', 'housing', 'mining',
  'oil', 'gas', 'nuclear', 'space', 'ports', 'railways', 'debt', 'inflation', 'currency', 'protests', 'treaties',
  'borders', 'aid', 'census', 'polling', 'leaks', 'satellites', 'fisheries', 'drought',
];

/** The most frequent words of the text, in rank order: function words first, then the research domain's own. */
const COMMON = [
  'the', 'of', 'and', 'to', 'in', 'a', 'is', 'that', 'for', 'it', 'as', 'was', 'with', 'be', 'by', 'on', 'not', 'this',
  'are', 'or', 'from', 'at', 'which', 'an', 'but', 'have', 'has', 'its', 'were', 'their', 'more', 'also', 'than',
  'policy', 'government', 'regional', 'economic', 'security', 'political', 'military', 'pressure', 'support', 'growth',
  'trade', 'power', 'market', 'risk', 'analysis', 'evidence', 'change', 'public', 'source', 'report', 'data', 'period',
  'region', 'state', 'effect', 'sector', 'capacity', 'response', 'strategy', 'influence', 'network', 'conflict',
  'agreement', 'budget', 'reform', 'leadership', 'coalition', 'forecast', 'signal', 'baseline', 'indicator', 'shift',
  'decline', 'increase', 'supply', 'demand', 'investment', 'production', 'export', 'import', 'election', 'campaign',
  'border', 'treaty', 'sanction', 'alliance', 'industry', 'finance', 'energy', 'ministry', 'agency', 'council',
];

/** The word no other page contains: the rare-word search must find exactly one page. */
export const RARE_WORD = 'quixotrybalenite';

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'br', 'dr', 'gr', 'kr', 'pl', 'st', 'tr', 'ch', 'sh', 'th'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
const CODAS = ['', '', 'n', 'r', 'l', 's', 'm', 'nd', 'rt', 'st'];

/** A few thousand pronounceable invented words, the long tail after COMMON. */
function inventWords(count: number): string[] {
  const rng = prng('wikibot-vocabulary');
  const taken = new Set<string>([...COMMON, RARE_WORD]);
  const words: string[] = [];
  while (words.length < count) {
    let w = '';
    const syllables = int(rng, 2, 3);
    for (let s = 0; s < syllables; s++) w += pick(rng, ONSETS) + pick(rng, VOWELS) + (s === syllables - 1 ? pick(rng, CODAS) : '');
    if (w.length < 4 || taken.has(w)) continue;
    taken.add(w);
    words.push(w);
  }
  return words;
}

/** Vocabulary in rank order and a sampler with probability ∝ 1/(rank + 2.7) (Zipf–Mandelbrot). */
class Vocabulary {
  readonly words: string[];
  private readonly cumulative: Float64Array;

  constructor(size: number) {
    this.words = [...COMMON, ...inventWords(size - COMMON.length)];
    this.cumulative = new Float64Array(this.words.length);
    let total = 0;
    for (let r = 0; r < this.words.length; r++) {
      total += 1 / (r + 1 + 2.7);
      this.cumulative[r] = total;
    }
    for (let r = 0; r < this.words.length; r++) this.cumulative[r]! /= total;
  }

  sample(rng: Rng): string {
    const x = rng();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo]!;
  }
}

export interface CorpusPage {
  /** Page path as stored (`Actors/Kavor_Telun`). */
  path: string;
  title: string;
  category: string;
  /** The whole file: front matter and markdown. */
  content: string;
  /** Number of words of the page text (prose, list, table and code), about 500. */
  words: number;
  /** A line that occurs once in the page, for exact-string edits. */
  uniqueLine: string;
  /** WikiLink targets (paths of other corpus pages). */
  links: string[];
}

export interface Corpus {
  pages: CorpusPage[];
  folders: string[];
  /** Distinct words the vocabulary holds. */
  vocabularySize: number;
  rareWord: string;
  /** Path of the one page containing `rareWord`. */
  rarePage: string;
  /** A frequent content word (not a function word) found in most pages. */
  commonWord: string;
  /** Pages containing `commonWord`. */
  commonWordPages: number;
}

export interface CorpusOptions {
  pages: number;
  seed?: string;
  /** Distinct words in the vocabulary (default 4000). */
  vocabulary?: number;
}

const vocabularies = new Map<number, Vocabulary>();

/** Generates the wiki: same options, same pages, byte for byte. */
export function generateCorpus({ pages: count, seed = 'wikibot-bench', vocabulary = 4000 }: CorpusOptions): Corpus {
  if (!Number.isInteger(count) || count < 10) throw new Error('a corpus needs at least 10 pages');
  let vocab = vocabularies.get(vocabulary);
  if (!vocab) {
    vocab = new Vocabulary(vocabulary);
    vocabularies.set(vocabulary, vocab);
  }
  const paths = pagePaths(count, seed, vocab);
  const rareIndex = 137 % count;
  const commonWord = 'policy';
  const pages: CorpusPage[] = [];
  let commonWordPages = 0;
  for (let i = 0; i < count; i++) {
    const page = makePage(i, paths, seed, vocab, i === rareIndex);
    if (new RegExp(`\\b${commonWord}\\b`).test(page.content)) commonWordPages++;
    pages.push(page);
  }
  return {
    pages,
    folders: FOLDERS.map(([f]) => f),
    vocabularySize: vocab.words.length,
    rareWord: RARE_WORD,
    rarePage: paths[rareIndex]!.path,
    commonWord,
    commonWordPages,
  };
}

interface PagePath {
  path: string;
  title: string;
  category: string;
}

/** Unique page names (case-insensitively, as lookups are), each in one folder. */
function pagePaths(count: number, seed: string, vocab: Vocabulary): PagePath[] {
  const taken = new Set<string>();
  const out: PagePath[] = [];
  // Names come from the tail of the vocabulary: proper nouns, not "The Of".
  const nameWords = vocab.words.slice(COMMON.length);
  for (let i = 0; i < count; i++) {
    const rng = prng(`${seed}:name:${i}`);
    const [folder, category] = pick(rng, FOLDERS);
    const parts = Array.from({ length: int(rng, 1, 3) }, () => capitalize(pick(rng, nameWords)));
    let title = parts.join(' ');
    let path = `${folder}/${parts.join('_')}`;
    if (taken.has(path.toLowerCase())) {
      title = `${title} ${i}`;
      path = `${path}_${i}`;
    }
    taken.add(path.toLowerCase());
    out.push({ path, title, category });
  }
  return out;
}

function sentence(rng: Rng, vocab: Vocabulary, words: string[]): string {
  const n = int(rng, 8, 20);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(vocab.sample(rng));
  out[0] = capitalize(out[0]!);
  words.push(...out);
  return `${out.join(' ')}.`;
}

function paragraph(rng: Rng, vocab: Vocabulary, words: string[], links: string[]): string {
  const sentences = Array.from({ length: int(rng, 2, 4) }, () => sentence(rng, vocab, words));
  const link = links.shift();
  if (link !== undefined) sentences.splice(int(rng, 0, sentences.length), 0, `See ${link}.`);
  return sentences.join(' ');
}

/** The three WikiLink forms of DESIGN.md, with `_` and spaces both used for the same page. */
function wikiLink(rng: Rng, target: PagePath): string {
  const r = rng();
  if (r < 0.4) return `[[${target.path}]]`;
  if (r < 0.7) return `[[${target.path.replaceAll('_', ' ')}|${target.title}]]`;
  return `[[${target.path}#Background]]`;
}

function makePage(i: number, paths: PagePath[], seed: string, vocab: Vocabulary, plantRare: boolean): CorpusPage {
  const rng = prng(`${seed}:page:${i}`);
  const me = paths[i]!;
  const words: string[] = [];
  const targets: PagePath[] = [];
  const linkCount = int(rng, 3, 8);
  while (targets.length < linkCount) {
    const t = paths[Math.floor(rng() * paths.length)]!;
    if (t !== me && !targets.includes(t)) targets.push(t);
  }
  const links = targets.map((t) => wikiLink(rng, t));
  const tags = [...new Set(Array.from({ length: int(rng, 2, 4) }, () => pick(rng, TAGS)))];
  const day = new Date(Date.UTC(2024, 0, 1) + int(rng, 0, 700) * 86_400_000).toISOString().slice(0, 10);
  const uniqueLine = `Reference code: RC-${String(i).padStart(5, '0')}-0`;

  const para = () => paragraph(rng, vocab, words, links);
  const heading = () => {
    const w = [vocab.sample(rng), vocab.sample(rng), vocab.sample(rng)];
    words.push(...w);
    return capitalize(w.join(' '));
  };
  const out: string[] = [];
  out.push('---', `title: ${me.title}`, `category: ${me.category}`, `tags: [${tags.join(', ')}]`, `last_updated: ${day}`, '---', '');
  out.push(para(), '');
  out.push('## Background', '', para(), '', para(), '');
  out.push(`### ${heading()}`, '', para(), '');
  out.push('## Key points', '');
  for (let k = int(rng, 4, 6); k > 0; k--) {
    const item = Array.from({ length: int(rng, 5, 10) }, () => vocab.sample(rng));
    words.push(...item);
    const link = links.length > 2 && rng() < 0.3 ? ` (${links.shift()!})` : '';
    out.push(`- ${capitalize(item.join(' '))}${link}`);
  }
  out.push('', '## Figures', '', '| Year | Indicator | Value | Note |', '|---|---|---|---|');
  for (let k = int(rng, 3, 5); k > 0; k--) {
    const year = 2015 + int(rng, 0, 10);
    const a = vocab.sample(rng);
    const b = vocab.sample(rng);
    words.push(String(year), a, String(k), b);
    out.push(`| ${year} | ${a} | ${(rng() * 100).toFixed(1)} | ${b} |`);
  }
  out.push('', `## ${heading()}`, '', para(), '');
  out.push('```python', `def ${vocab.words[COMMON.length + (i % 500)]}_score(rows):`, '    total = sum(r.value for r in rows)', '    return total / max(len(rows), 1)', '```', '');
  words.push('def', 'score', 'rows', 'total', 'sum', 'value', 'for', 'in', 'return', 'max', 'len');
  out.push('## Analysis', '');
  // Grow to ~500 words; links left over go into these paragraphs so every page has all of its 3–8 links.
  while (words.length < 470 || links.length > 0) out.push(para(), '');
  if (plantRare) out.push(`An isolated sample of ${RARE_WORD} was recorded here and nowhere else.`, '');
  out.push(uniqueLine, '');
  return {
    path: me.path,
    title: me.title,
    category: me.category,
    content: out.join('\n'),
    words: words.length + uniqueLine.split(' ').length,
    uniqueLine,
    links: targets.map((t) => t.path),
  };
}
