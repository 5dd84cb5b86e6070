/** The git storage layer: the RepoStore port and its implementation on local bare repositories. */
export * from './repo-store.js';
export { GitRepoStore, type GitRepoStoreOptions } from './git-repo-store.js';
export type { GitRepo, RepoProcessInfo } from './git-repo.js';
export { hashObject, splitTreePath } from './objects.js';
