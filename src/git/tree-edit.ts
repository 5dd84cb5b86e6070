/**
 * Applies a commit's edits to the parent commit's tree: subtrees are loaded only along edited paths, directories are
 * created and pruned as needed, and only changed trees are re-serialized. Also works out what changed (A/M/D/R)
 * from the edits, without a diff.
 */
import { WikiError } from '../errors.js';
import type { FileChange, TreeEdit } from './repo-store.js';
import { EMPTY_TREE_OID, FILE_MODE, TREE_MODE, isTreeMode, splitTreePath, type TreeEntry } from './objects.js';

export interface TreeEditIo {
  /** Parsed entries of a tree of this repository (callers cache them). */
  loadTree(oid: string): Promise<TreeEntry[]>;
  /** Stores a blob, returns its id. */
  writeBlob(content: Buffer): string;
  /** Stores a tree, returns its id. */
  writeTree(entries: TreeEntry[]): string;
}

interface Slot {
  mode: string;
  nameBytes: Buffer;
  /** Null while the subtree has unsaved changes. */
  oid: string | null;
  node?: Node;
}

type Node = Map<string, Slot>;

interface FileState {
  oid: string;
  mode: string;
}

export interface TreeEditResult {
  tree: string;
  changes: FileChange[];
}

/** Applies `edits` in order on top of `baseTree` (null: empty) and writes the new trees. */
export async function applyTreeEdits(
  io: TreeEditIo,
  baseTree: string | null,
  edits: TreeEdit[],
): Promise<TreeEditResult> {
  // Validate every path before touching anything, so a bad edit anywhere writes nothing.
  const parsed = edits.map((edit) => ({
    edit,
    segments: splitTreePath(edit.path),
    from: 'from' in edit ? splitTreePath(edit.from) : null,
  }));
  const root: Slot = { mode: TREE_MODE, nameBytes: Buffer.alloc(0), oid: baseTree ?? EMPTY_TREE_OID };
  const original = new Map<string, FileState | null>();
  const renames: { from: string; to: string }[] = [];

  const load = async (slot: Slot): Promise<Node> => {
    if (slot.node === undefined) {
      const node: Node = new Map();
      if (slot.oid !== null && slot.oid !== EMPTY_TREE_OID) {
        for (const entry of await io.loadTree(slot.oid)) {
          node.set(entry.name, { mode: entry.mode, nameBytes: entry.nameBytes, oid: entry.oid });
        }
      }
      slot.node = node;
    }
    return slot.node;
  };

  /** The slots from the root down to the parent directory of `segments` (null when a directory is missing). */
  const walk = async (segments: string[], create: boolean, path: string): Promise<Slot[] | null> => {
    const chain: Slot[] = [root];
    let slot = root;
    for (const name of segments.slice(0, -1)) {
      const node = await load(slot);
      let child = node.get(name);
      if (child === undefined) {
        if (!create) return null;
        child = { mode: TREE_MODE, nameBytes: Buffer.from(name, 'utf8'), oid: null, node: new Map() };
        node.set(name, child);
      } else if (!isTreeMode(child.mode)) {
        if (!create) return null;
        throw new WikiError('INVALID_PATH', `cannot write ${path}: ${name} is a file`, { path });
      }
      chain.push(child);
      slot = child;
    }
    await load(slot);
    return chain;
  };

  const current = async (segments: string[]): Promise<FileState | null> => {
    const chain = await walk(segments, false, '');
    const entry = chain?.at(-1)?.node?.get(segments.at(-1)!);
    if (entry === undefined || isTreeMode(entry.mode) || entry.oid === null) return null;
    return { oid: entry.oid, mode: entry.mode };
  };

  const remember = async (segments: string[]): Promise<void> => {
    const key = segments.join('/');
    if (!original.has(key)) original.set(key, await current(segments));
  };

  const put = async (segments: string[], path: string, state: FileState): Promise<void> => {
    const chain = (await walk(segments, true, path))!;
    const node = chain.at(-1)!.node!;
    const name = segments.at(-1)!;
    const existing = node.get(name);
    if (existing !== undefined && isTreeMode(existing.mode)) {
      throw new WikiError('INVALID_PATH', `cannot write ${path}: it is a directory`, { path });
    }
    node.set(name, { mode: state.mode, nameBytes: existing?.nameBytes ?? Buffer.from(name, 'utf8'), oid: state.oid });
    for (const slot of chain) slot.oid = null;
  };

  const remove = async (segments: string[], path: string): Promise<FileState> => {
    const chain = await walk(segments, false, path);
    const name = segments.at(-1)!;
    const entry = chain?.at(-1)?.node?.get(name);
    if (chain === null || entry === undefined || isTreeMode(entry.mode) || entry.oid === null) {
      throw new WikiError('INVALID_INPUT', `cannot remove ${path}: no such file`, { path });
    }
    chain.at(-1)!.node!.delete(name);
    for (const slot of chain) slot.oid = null;
    // Prune directories the removal left empty (git cannot store an empty directory).
    for (let depth = chain.length - 1; depth > 0; depth--) {
      if (chain[depth]!.node!.size > 0) break;
      chain[depth - 1]!.node!.delete(segments[depth - 1]!);
    }
    return { oid: entry.oid, mode: entry.mode };
  };

  const blobState = (content: string | Buffer, mode: string | undefined): FileState => ({
    oid: io.writeBlob(typeof content === 'string' ? Buffer.from(content, 'utf8') : content),
    // Keep an executable bit a pushed file had; anything else becomes a regular file.
    mode: mode === '100755' ? mode : FILE_MODE,
  });

  for (const { edit, segments, from } of parsed) {
    await remember(segments);
    if ('delete' in edit) {
      await remove(segments, edit.path);
    } else if (from !== null && 'from' in edit) {
      await remember(from);
      if (edit.from === edit.path) {
        const existing = await current(segments);
        if (existing === null) throw new WikiError('INVALID_INPUT', `cannot move ${edit.from}: no such file`);
        if (edit.content !== undefined) await put(segments, edit.path, blobState(edit.content, existing.mode));
        continue;
      }
      const moved = await remove(from, edit.from).catch((error: unknown) => {
        if (error instanceof WikiError && error.code === 'INVALID_INPUT') {
          throw new WikiError('INVALID_INPUT', `cannot move ${edit.from}: no such file`, { path: edit.from });
        }
        throw error;
      });
      await put(segments, edit.path, edit.content === undefined ? moved : blobState(edit.content, moved.mode));
      renames.push({ from: edit.from, to: edit.path });
    } else if ('content' in edit) {
      const existing = await current(segments);
      await put(segments, edit.path, blobState(edit.content, existing?.mode));
    }
  }

  const tree = await save(io, root);
  const changes = await diffTouched(original, current, renames);
  return { tree, changes };
}

async function save(io: TreeEditIo, slot: Slot): Promise<string> {
  if (slot.oid !== null) return slot.oid;
  const entries: TreeEntry[] = [];
  for (const [name, child] of slot.node ?? new Map<string, Slot>()) {
    const oid = isTreeMode(child.mode) ? await save(io, child) : child.oid!;
    entries.push({ mode: child.mode, name, nameBytes: child.nameBytes, oid });
  }
  slot.oid = io.writeTree(entries);
  return slot.oid;
}

async function diffTouched(
  original: Map<string, FileState | null>,
  current: (segments: string[]) => Promise<FileState | null>,
  renames: { from: string; to: string }[],
): Promise<FileChange[]> {
  const byPath = new Map<string, FileChange>();
  for (const [path, before] of original) {
    const after = await current(path.split('/'));
    if (before === null && after !== null) byPath.set(path, { status: 'A', path, newOid: after.oid });
    else if (before !== null && after === null) byPath.set(path, { status: 'D', path, oldOid: before.oid });
    else if (before !== null && after !== null && before.oid !== after.oid) {
      byPath.set(path, { status: 'M', path, oldOid: before.oid, newOid: after.oid });
    }
  }
  // A move shows as one R when its source is gone and its destination is new; anything else stays as D/A/M.
  for (const { from, to } of renames) {
    const removed = byPath.get(from);
    const added = byPath.get(to);
    if (removed?.status === 'D' && added?.status === 'A') {
      byPath.delete(from);
      byPath.set(to, { status: 'R', path: to, oldPath: from, oldOid: removed.oldOid!, newOid: added.newOid! });
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
